package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tailsynth/tailsynth/cmd/tailsynth/internal/client"
)

// The client subcommands call a server's HTTP API. Each is a method of cli
// so that tests can run it against an httptest server with buffers for
// stdout and stderr. Exit codes: 0 success, 1 a failure (an error answer,
// an unreachable server, a job that failed), 2 a usage error.

// defaultServer is the server a client subcommand calls when neither
// --server nor TAILSYNTH_URL names one.
const defaultServer = "http://127.0.0.1:8080"

type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// tty: stderr is a terminal, so progress is drawn as bars in place.
	tty bool
	// retryBase is the first pause before reconnecting a lost event
	// stream; it doubles up to 10 s.
	retryBase time.Duration
}

// clientCmd adapts a client subcommand to main's command table.
func clientCmd(fn func(c *cli, ctx context.Context, args []string) int) func(context.Context, []string) int {
	return func(ctx context.Context, args []string) int {
		c := &cli{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, tty: isTerminal(os.Stderr), retryBase: time.Second}
		return fn(c, ctx, args)
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// conn holds the flags every client subcommand shares.
type conn struct {
	server, apiKey string
	timeout        time.Duration
}

// flags returns a flag set for "tailsynth <usage>" with the connection
// flags. The key's default is not shown, so -h never prints it.
func (c *cli) flags(name, usage string) (*flag.FlagSet, *conn) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: tailsynth %s\n\nflags:\n", usage)
		fs.PrintDefaults()
	}
	var cn conn
	fs.StringVar(&cn.server, "server", "", "server URL (default $TAILSYNTH_URL, else "+defaultServer+")")
	fs.StringVar(&cn.apiKey, "api-key", "", "API key (default $TAILSYNTH_API_KEY; prefer the variable: flags show in process lists)")
	fs.DurationVar(&cn.timeout, "timeout", client.DefaultTimeout, "longest wait for one answer")
	return fs, &cn
}

// parse parses args, allowing flags after positional arguments
// ("jobs get ID --server URL"); everything after "--" is positional. It
// returns the positional arguments, or an exit code when parsing ended the
// command (2 for a bad flag, 0 for -h).
func parse(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, false
			}
			return nil, 2, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// parseN parses args and checks that there are exactly n positional
// arguments, named in the usage.
func (c *cli) parseN(fs *flag.FlagSet, args []string, names ...string) ([]string, int, bool) {
	pos, code, ok := parse(fs, args)
	if !ok {
		return nil, code, false
	}
	if len(pos) != len(names) {
		what := "no arguments"
		if len(names) > 0 {
			what = strings.Join(names, " ")
		}
		return nil, c.usageError(fs, "want %s, got %d argument(s): %q", what, len(pos), pos), false
	}
	return pos, 0, true
}

// usageError prints a message and the command's usage, and returns 2.
func (c *cli) usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(c.stderr, "tailsynth %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return 2
}

// client builds the API client from the connection flags.
func (c *cli) client(cn *conn) (*client.Client, error) {
	server, key := cn.server, cn.apiKey
	if server == "" {
		server = c.getenv("TAILSYNTH_URL")
	}
	if server == "" {
		server = defaultServer
	}
	if key == "" {
		key = c.getenv("TAILSYNTH_API_KEY")
	}
	cl, err := client.New(server, key, cn.timeout)
	if err != nil {
		return nil, fmt.Errorf("%w (--server or TAILSYNTH_URL)", err)
	}
	cl.UserAgent = "tailsynth-cli/" + version
	return cl, nil
}

// fail prints err and returns 1. An error answer shows its code, message,
// status, details and request ID.
func (c *cli) fail(err error) int {
	var ae *client.Error
	switch {
	case errors.As(err, &ae):
		fmt.Fprintf(c.stderr, "tailsynth: %s: %s (HTTP %d", ae.Code, ae.Message, ae.Status)
		if ae.RequestID != "" {
			fmt.Fprintf(c.stderr, ", request %s", ae.RequestID)
		}
		fmt.Fprintln(c.stderr, ")")
		if len(ae.Details) > 0 && string(ae.Details) != "null" {
			var b bytes.Buffer
			if json.Indent(&b, ae.Details, "  ", "  ") == nil {
				fmt.Fprintf(c.stderr, "  details: %s\n", b.Bytes())
			}
		}
		if ae.Status == 401 {
			fmt.Fprintln(c.stderr, "  give a key with --api-key or TAILSYNTH_API_KEY")
		}
	case errors.Is(err, syscall.ECONNREFUSED):
		fmt.Fprintf(c.stderr, "tailsynth: %v\n  is \"tailsynth serve\" running there? Name the server with --server or TAILSYNTH_URL.\n", err)
	default:
		fmt.Fprintf(c.stderr, "tailsynth: %v\n", err)
	}
	return 1
}

// call sends one request and prints the answer's JSON, indented, on
// stdout. It returns the exit code.
func (c *cli) call(ctx context.Context, cn *conn, r client.Request) int {
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(err)
	}
	b, err := cl.Do(ctx, r)
	if err != nil {
		return c.fail(err)
	}
	return c.printJSON(b)
}

func (c *cli) printJSON(b []byte) int {
	if len(bytes.TrimSpace(b)) == 0 {
		return 0
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return c.fail(fmt.Errorf("the server answered with something that is not JSON: %w", err))
	}
	out.WriteByte('\n')
	_, _ = c.stdout.Write(out.Bytes())
	return 0
}

// subcommand is one verb of a command group ("jobs list").
type subcommand struct {
	summary string
	run     func(c *cli, ctx context.Context, args []string) int
}

// group dispatches "tailsynth <name> <verb> ...".
func (c *cli) group(ctx context.Context, name string, subs map[string]subcommand, args []string) int {
	usage := func() {
		fmt.Fprintf(c.stderr, "usage: tailsynth %s <command> [flags]\n\ncommands:\n", name)
		verbs := make([]string, 0, len(subs))
		for v := range subs {
			verbs = append(verbs, v)
		}
		slices.Sort(verbs)
		for _, v := range verbs {
			fmt.Fprintf(c.stderr, "  %-10s %s\n", v, subs[v].summary)
		}
		fmt.Fprintf(c.stderr, "\nRun \"tailsynth %s <command> -h\" for a command's flags.\n", name)
	}
	if len(args) == 0 {
		fmt.Fprintf(c.stderr, "tailsynth %s: a command is required\n", name)
		usage()
		return 2
	}
	sub, ok := subs[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			usage()
			return 0
		}
		fmt.Fprintf(c.stderr, "tailsynth %s: unknown command %q\n", name, args[0])
		usage()
		return 2
	}
	return sub.run(c, ctx, args[1:])
}
