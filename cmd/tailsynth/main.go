// Command tailsynth is the tailsynth service and its command-line client.
//
//	tailsynth serve [--config FILE] [--addr HOST:PORT] [--data-dir DIR]
//	tailsynth version
//	tailsynth inspect|plan|submit|jobs|datasets|schedules|generators ...   (client of a running service)
//
// Run "tailsynth help" for every subcommand.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches a subcommand and returns the exit code: 0 success, 1 a
// failure while running, 2 a usage or configuration error.
func run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		usage()
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			usage()
			return 0
		}
		fmt.Fprintf(os.Stderr, "tailsynth: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
	return cmd.run(ctx, args[1:])
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string) int
}

var commands = map[string]command{}

func init() {
	commands["serve"] = command{"run the HTTP service", serve}
	commands["version"] = command{"print the version", printVersion}
	commands["inspect"] = command{"describe a dataset: classes, counts, splits, formats, sizes", clientCmd((*cli).inspect)}
	commands["plan"] = command{"show how many samples a strategy adds per class", clientCmd((*cli).plan)}
	commands["submit"] = command{"submit a generation job; --wait follows it", clientCmd((*cli).submit)}
	commands["jobs"] = command{"list, get, cancel or wait for jobs", clientCmd((*cli).jobs)}
	commands["datasets"] = command{"register, list, get or delete dataset names", clientCmd((*cli).datasets)}
	commands["schedules"] = command{"create, list, get or delete cron schedules", clientCmd((*cli).schedules)}
	commands["generators"] = command{"list the server's generators and their parameters", clientCmd((*cli).generators)}
	commands["evaluate"] = command{"compare generators on a dataset against real-only, random oversampling and SMOTE; --wait prints the leaderboard", clientCmd((*cli).evaluate)}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: tailsynth <command> [flags]\n\ncommands:")
	for _, name := range sortedCommands() {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun \"tailsynth <command> -h\" for a command's flags.")
}
