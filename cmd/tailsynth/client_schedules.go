package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/tailsynth/tailsynth/cmd/tailsynth/internal/client"
)

var schedulesCommands = map[string]subcommand{
	"create": {"create a cron schedule that submits a job", (*cli).schedulesCreate},
	"list":   {"list the schedules", (*cli).schedulesList},
	"get":    {"show a schedule", (*cli).schedulesGet},
	"delete": {"delete a schedule (its jobs stay)", (*cli).schedulesDelete},
}

func (c *cli) schedules(ctx context.Context, args []string) int {
	return c.group(ctx, "schedules", schedulesCommands, args)
}

func (c *cli) schedulesCreate(ctx context.Context, args []string) int {
	fs, cn := c.flags("schedules create", "schedules create --cron C --dataset D --generator G --seed N [--name N] [--params JSON] [--strategy S] [--output URI] [--only-if-changed]")
	cron := fs.String("cron", "", `when, in UTC: 5 fields ("0 3 * * *") or @hourly, @daily, @weekly, @monthly, @every 6h (required)`)
	name := fs.String("name", "", "a name (default: the schedule's ID)")
	onlyIfChanged := fs.Bool("only-if-changed", false, "skip a run when the dataset has not changed since the last one")
	jf := addJobFlags(fs)
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	if *cron == "" {
		return c.usageError(fs, "--cron is required")
	}
	job, err := jf.request()
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	if job.Seed == nil {
		return c.usageError(fs, "--seed is required: every run of a schedule uses it, so runs are reproducible")
	}
	body := struct {
		Name          string      `json:"name,omitempty"`
		Cron          string      `json:"cron"`
		Job           *jobRequest `json:"job"`
		OnlyIfChanged bool        `json:"only_if_changed,omitempty"`
	}{*name, *cron, job, *onlyIfChanged}
	return c.call(ctx, cn, client.Request{Method: http.MethodPost, Path: "/v1/schedules", Body: body})
}

func (c *cli) schedulesList(ctx context.Context, args []string) int {
	fs, cn := c.flags("schedules list", "schedules list [--json]")
	asJSON := fs.Bool("json", false, "print the answer as JSON instead of a table")
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	b, ok := c.get(ctx, cn, "/v1/schedules")
	if !ok {
		return 1
	}
	if *asJSON {
		return c.printJSON(b)
	}
	var list struct {
		Schedules []struct {
			ID             string    `json:"id"`
			Name           string    `json:"name"`
			Cron           string    `json:"cron"`
			NextRunAt      time.Time `json:"next_run_at"`
			LastJobID      string    `json:"last_job_id"`
			LastSkipReason string    `json:"last_skip_reason"`
			Template       struct {
				Dataset   string `json:"dataset"`
				Generator string `json:"generator"`
			} `json:"template"`
		} `json:"schedules"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return c.fail(fmt.Errorf("reading the schedule list: %w", err))
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCRON\tNEXT RUN\tLAST JOB\tGENERATOR\tDATASET")
	for _, s := range list.Schedules {
		last := orDash(s.LastJobID)
		if s.LastSkipReason != "" {
			last += " (skipped: " + s.LastSkipReason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.Cron, s.NextRunAt.Local().Format("2006-01-02 15:04"),
			last, s.Template.Generator, s.Template.Dataset)
	}
	_ = tw.Flush()
	return 0
}

func (c *cli) schedulesGet(ctx context.Context, args []string) int {
	fs, cn := c.flags("schedules get", "schedules get ID")
	pos, code, ok := c.parseN(fs, args, "ID")
	if !ok {
		return code
	}
	return c.call(ctx, cn, client.Request{Method: http.MethodGet, Path: "/v1/schedules/" + url.PathEscape(pos[0])})
}

func (c *cli) schedulesDelete(ctx context.Context, args []string) int {
	fs, cn := c.flags("schedules delete", "schedules delete ID")
	pos, code, ok := c.parseN(fs, args, "ID")
	if !ok {
		return code
	}
	if code := c.call(ctx, cn, client.Request{Method: http.MethodDelete, Path: "/v1/schedules/" + url.PathEscape(pos[0])}); code != 0 {
		return code
	}
	fmt.Fprintf(c.stderr, "deleted schedule %s\n", pos[0])
	return 0
}
