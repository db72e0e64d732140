package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/service"
)

func serve(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	configPath := fs.String("config", os.Getenv("TAILSYNTH_CONFIG"), "YAML config file (see configs/example.yaml); also TAILSYNTH_CONFIG")
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080; server.addr, TAILSYNTH_SERVER_ADDR)")
	dataDir := fs.String("data-dir", "", "data directory (default ./data; data_dir, TAILSYNTH_DATA_DIR)")
	logFormat := fs.String("log-format", "", "text or json (log.format)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := configs.Load(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tailsynth:", err)
		return 2
	}
	fs.Visit(func(f *flag.Flag) { // only flags given on the command line override
		switch f.Name {
		case "addr":
			cfg.Server.Addr = *addr
		case "data-dir":
			cfg.DataDir = *dataDir
		case "log-format":
			cfg.Log.Format = *logFormat
		}
	})
	log := service.NewLogger(os.Stderr, cfg.Log)
	svc, err := service.New(ctx, cfg, log, versionString())
	if err != nil {
		fmt.Fprintln(os.Stderr, "tailsynth:", err)
		return 2
	}
	if err := svc.Run(ctx); err != nil {
		log.Error("server failed", "err", err)
		return 1
	}
	return 0
}

func sortedCommands() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
