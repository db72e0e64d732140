package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tailsynth/tailsynth/cmd/tailsynth/internal/client"
)

func (c *cli) submit(ctx context.Context, args []string) int {
	fs, cn := c.flags("submit", "submit --dataset D --generator G [--params JSON] [--strategy S] [--seed N] [--output URI] [--idempotency-key K] [--wait]")
	jf := addJobFlags(fs)
	key := fs.String("idempotency-key", "", "makes a retried submit return the first job instead of a new one (needs --seed)")
	wait := fs.Bool("wait", false, "follow the job until it ends, print the answer with the job as it ended, and exit 1 unless it succeeded")
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	req, err := jf.request()
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(err)
	}
	r := client.Request{Method: http.MethodPost, Path: "/v1/jobs", Body: req}
	if *key != "" {
		r.Header = http.Header{"Idempotency-Key": {*key}}
	}
	b, err := cl.Do(ctx, r)
	if err != nil {
		return c.fail(err)
	}
	if !*wait {
		return c.printJSON(b)
	}
	var sub struct {
		Job     jobView         `json:"job"`
		RawPlan json.RawMessage `json:"plan"`
		// Set instead of the plan when storage did not answer.
		WaitingForStorage string `json:"waiting_for_storage"`
	}
	var plan struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(b, &sub); err != nil || sub.Job.ID == "" {
		return c.fail(fmt.Errorf("the submit answer names no job: %s", b))
	}
	if sub.WaitingForStorage != "" {
		fmt.Fprintf(c.stderr, "submitted %s; %s\n", sub.Job.ID, sub.WaitingForStorage)
	} else {
		_ = json.Unmarshal(sub.RawPlan, &plan)
		fmt.Fprintf(c.stderr, "submitted %s: %d samples to generate\n", sub.Job.ID, plan.Total)
	}
	// The answer keeps the submit's shape, {"job", "plan"} (or
	// "waiting_for_storage"), with the job as it ended.
	return c.waitJob(ctx, cl, sub.Job.ID, func(final json.RawMessage) ([]byte, error) {
		return json.Marshal(struct {
			Job               json.RawMessage `json:"job"`
			Plan              json.RawMessage `json:"plan,omitempty"`
			WaitingForStorage string          `json:"waiting_for_storage,omitempty"`
		}{final, sub.RawPlan, sub.WaitingForStorage})
	})
}

var jobsCommands = map[string]subcommand{
	"list":   {"list jobs, newest first", (*cli).jobsList},
	"get":    {"show a job", (*cli).jobsGet},
	"cancel": {"ask a job to stop", (*cli).jobsCancel},
	"retry":  {"run a failed or cancelled job again, from the samples it wrote", (*cli).jobsRetry},
	"wait":   {"follow a job until it ends; exit 1 unless it succeeded", (*cli).jobsWait},
}

func (c *cli) jobs(ctx context.Context, args []string) int {
	return c.group(ctx, "jobs", jobsCommands, args)
}

func (c *cli) jobsList(ctx context.Context, args []string) int {
	fs, cn := c.flags("jobs list", "jobs list [--state S] [--limit N] [--cursor C] [--json]")
	state := fs.String("state", "", "only jobs in this state: queued, running, retrying, succeeded, failed, cancelled")
	limit := fs.Int("limit", 0, "page size, 1 to 500 (default 50)")
	cursor := fs.String("cursor", "", "the next page, as printed after the previous one")
	asJSON := fs.Bool("json", false, "print the answer as JSON instead of a table")
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	q := url.Values{}
	if *state != "" {
		q.Set("state", *state)
	}
	if *limit != 0 {
		q.Set("limit", strconv.Itoa(*limit))
	}
	if *cursor != "" {
		q.Set("cursor", *cursor)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(err)
	}
	b, err := cl.Do(ctx, client.Request{Method: http.MethodGet, Path: "/v1/jobs", Query: q})
	if err != nil {
		return c.fail(err)
	}
	if *asJSON {
		return c.printJSON(b)
	}
	var page struct {
		Jobs []struct {
			jobView
			Request struct {
				Dataset   string `json:"dataset"`
				Generator string `json:"generator"`
			} `json:"request"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"jobs"`
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return c.fail(fmt.Errorf("reading the job list: %w", err))
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tGENERATOR\tPROGRESS\tCREATED\tDATASET")
	for _, j := range page.Jobs {
		done, total := 0, 0
		if j.Progress != nil {
			for _, cp := range j.Progress.Classes {
				done, total = done+cp.Done, total+cp.Total
			}
		}
		prog := "-"
		if total > 0 {
			prog = fmt.Sprintf("%d/%d", done, total)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.State, j.Request.Generator, prog,
			j.CreatedAt.Local().Format("2006-01-02 15:04:05"), j.Request.Dataset)
	}
	_ = tw.Flush()
	if page.NextCursor != "" {
		fmt.Fprintf(c.stderr, "more: tailsynth jobs list --cursor %s\n", page.NextCursor)
	}
	return 0
}

func (c *cli) jobsGet(ctx context.Context, args []string) int {
	fs, cn := c.flags("jobs get", "jobs get ID")
	pos, code, ok := c.parseN(fs, args, "ID")
	if !ok {
		return code
	}
	return c.call(ctx, cn, client.Request{Method: http.MethodGet, Path: "/v1/jobs/" + url.PathEscape(pos[0])})
}

func (c *cli) jobsCancel(ctx context.Context, args []string) int {
	fs, cn := c.flags("jobs cancel", "jobs cancel ID")
	pos, code, ok := c.parseN(fs, args, "ID")
	if !ok {
		return code
	}
	return c.call(ctx, cn, client.Request{Method: http.MethodPost, Path: "/v1/jobs/" + url.PathEscape(pos[0]) + "/cancel"})
}

func (c *cli) jobsRetry(ctx context.Context, args []string) int {
	fs, cn := c.flags("jobs retry", "jobs retry ID [--wait]")
	wait := fs.Bool("wait", false, "follow the job until it ends, print it as it ended, and exit 1 unless it succeeded")
	pos, code, ok := c.parseN(fs, args, "ID")
	if !ok {
		return code
	}
	r := client.Request{Method: http.MethodPost, Path: "/v1/jobs/" + url.PathEscape(pos[0]) + "/retry"}
	if !*wait {
		return c.call(ctx, cn, r)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(err)
	}
	if _, err := cl.Do(ctx, r); err != nil {
		return c.fail(err)
	}
	return c.waitJob(ctx, cl, pos[0], nil)
}

func (c *cli) jobsWait(ctx context.Context, args []string) int {
	fs, cn := c.flags("jobs wait", "jobs wait ID")
	pos, code, ok := c.parseN(fs, args, "ID")
	if !ok {
		return code
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(err)
	}
	return c.waitJob(ctx, cl, pos[0], nil)
}

// Reconnecting a lost event stream.
const (
	maxReconnects = 5 // in a row, without an event in between
	maxRetryPause = 10 * time.Second
)

var errEnded = errors.New("job ended")

// waitJob follows a job's event stream, drawing its progress on stderr,
// until the end event. A stream that breaks (a server restart, a proxy
// timeout) is reopened: the server sends the current job first, so nothing
// is missed. It prints the final job on stdout (through wrap, when set, so
// that a caller can print it inside its own answer) and returns 0 if the
// job succeeded, 1 otherwise.
func (c *cli) waitJob(ctx context.Context, cl *client.Client, id string, wrap func(final json.RawMessage) ([]byte, error)) int {
	view := &progressView{w: c.stderr, tty: c.tty}
	path := "/v1/jobs/" + url.PathEscape(id) + "/events"
	var last json.RawMessage
	var job jobView
	failures := 0
	for {
		err := cl.Events(ctx, path, func(ev client.Event) error {
			switch ev.Name {
			case "job":
				var j jobView
				if err := json.Unmarshal(ev.Data, &j); err != nil {
					return fmt.Errorf("event %q: %w", ev.Data, err)
				}
				last, job, failures = ev.Data, j, 0
				view.update(j)
			case "end":
				return errEnded
			}
			return nil
		})
		if errors.Is(err, errEnded) {
			break
		}
		if ctx.Err() != nil {
			view.note("stopped waiting; job %s goes on (\"tailsynth jobs cancel %s\" stops it)", id, id)
			return 1
		}
		var ae *client.Error
		if errors.As(err, &ae) && ae.Status < 500 {
			return c.fail(err)
		}
		if failures++; failures > maxReconnects {
			return c.fail(fmt.Errorf("following job %s: gave up after %d reconnects: %w", id, maxReconnects, err))
		}
		pause := min(c.retryBase<<(failures-1), maxRetryPause)
		why := "the stream ended before the job did"
		if err != nil {
			why = err.Error()
		}
		view.note("%s; reconnecting in %s", why, pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			view.note("stopped waiting; job %s goes on", id)
			return 1
		}
	}
	if !terminal(job.State) { // the end event came before a final job event
		b, err := cl.Do(ctx, client.Request{Method: http.MethodGet, Path: "/v1/jobs/" + url.PathEscape(id)})
		if err != nil {
			return c.fail(err)
		}
		last = b
		if err := json.Unmarshal(b, &job); err != nil {
			return c.fail(fmt.Errorf("reading job %s: %w", id, err))
		}
	}
	out := []byte(last)
	if wrap != nil {
		var err error
		if out, err = wrap(last); err != nil {
			return c.fail(err)
		}
	}
	if code := c.printJSON(out); code != 0 {
		return code
	}
	var withResult struct {
		Result *struct {
			Alerts []alertView `json:"alerts"`
		} `json:"result"`
	}
	if json.Unmarshal(last, &withResult) == nil && withResult.Result != nil {
		c.printAlerts(withResult.Result.Alerts)
	}
	if job.State != "succeeded" {
		msg := fmt.Sprintf("tailsynth: job %s %s", id, job.State)
		if job.Error != "" {
			msg += ": " + strings.TrimSpace(job.Error)
		}
		fmt.Fprintln(c.stderr, msg)
		return 1
	}
	return 0
}

// alertView is an alert of a job's result or a leaderboard row (see
// generators.Alert).
type alertView struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// printAlerts prints each alert on stderr as a "WARNING: ..." line (red on
// a terminal), so that it is seen even when stdout goes to a file.
func (c *cli) printAlerts(alerts []alertView) {
	for _, a := range alerts {
		line := "WARNING: " + a.Message
		if a.Kind != "harm" {
			line = fmt.Sprintf("WARNING (%s): %s", a.Kind, a.Message)
		}
		if c.tty {
			line = "\x1b[1;31m" + line + "\x1b[0m"
		}
		fmt.Fprintln(c.stderr, line)
	}
}
