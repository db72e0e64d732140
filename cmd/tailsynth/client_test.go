package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
)

// These tests run the client subcommands against a fake server: an
// httptest server with a handler per test. They test the client; the
// server's side is tested in api/.

const cliTestKey = "env-key-0123456789"

// fakeServer records the requests it gets and answers with handler.
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	method, path, query string
	header              http.Header
	body                []byte
}

func newFakeServer(t *testing.T, handler http.HandlerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body.Bytes()})
		f.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) got() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// clientCommands are the client subcommands as main registers them.
var clientCommands = map[string]func(*cli, context.Context, []string) int{
	"inspect": (*cli).inspect, "plan": (*cli).plan, "submit": (*cli).submit, "jobs": (*cli).jobs,
	"datasets": (*cli).datasets, "schedules": (*cli).schedules, "generators": (*cli).generators,
	"evaluate": (*cli).evaluate,
}

// runCLI runs "tailsynth args..." with the server in TAILSYNTH_URL and the
// key in TAILSYNTH_API_KEY.
func runCLI(t *testing.T, server string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"TAILSYNTH_URL": server, "TAILSYNTH_API_KEY": cliTestKey}
	c := &cli{stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }, retryBase: time.Millisecond}
	fn, ok := clientCommands[args[0]]
	if !ok {
		t.Fatalf("no client command %q", args[0])
	}
	code = fn(c, context.Background(), args[1:])
	return code, out.String(), errOut.String()
}

func TestClientCommandsRegistered(t *testing.T) {
	for name := range clientCommands {
		if _, ok := commands[name]; !ok {
			t.Errorf("main does not register %q", name)
		}
	}
}

func fakeJSON(w http.ResponseWriter, status int, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, v)
}

func fakeSSE(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	for i := 0; i+1 < len(events); i += 2 {
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", events[i], events[i+1])
		w.(http.Flusher).Flush()
	}
}

const (
	queuedJob    = `{"id":"job_1","state":"queued","attempts":0}`
	runningJob   = `{"id":"job_1","state":"running","attempts":1,"progress":{"stage":"generating","classes":{"rare":{"done":1,"total":3},"big":{"done":0,"total":0}}}}`
	succeededJob = `{"id":"job_1","state":"succeeded","attempts":1,"progress":{"stage":"done","classes":{"rare":{"done":3,"total":3}}},"result":{"output":"file:///out/job_1","files":3,"added":{"rare":3}}}`
	failedJob    = `{"id":"job_1","state":"failed","attempts":3,"error":"oversample: sample 2 of \"rare\": disk full"}`
	cancelledJob = `{"id":"job_1","state":"cancelled","attempts":1,"error":"cancelled"}`
)

// submitServer accepts a submit and streams events, the final job last.
func submitServer(t *testing.T, final, end string) *fakeServer {
	return newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST /v1/jobs":
			fakeJSON(w, 202, `{"job":`+queuedJob+`,"plan":{"add":{"rare":3},"after":{"rare":4},"total":3,"leakage_guard":false}}`)
		case "GET /v1/jobs/job_1/events":
			fakeSSE(w, "job", queuedJob, "job", runningJob, "job", final, "end", `{"state":"`+end+`"}`)
		default:
			fakeJSON(w, 404, `{"error":{"code":"not_found","message":"no route"}}`)
		}
	})
}

func TestSubmitWait(t *testing.T) {
	tests := []struct {
		name, final, end string
		wantCode         int
		wantStderr       string
	}{
		{"succeeded", succeededJob, "succeeded", 0, "job_1  succeeded  done  rare 3/3"},
		{"failed", failedJob, "failed", 1, `tailsynth: job job_1 failed: oversample: sample 2 of "rare": disk full`},
		{"cancelled", cancelledJob, "cancelled", 1, "tailsynth: job job_1 cancelled: cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := submitServer(t, tt.final, tt.end)
			code, stdout, stderr := runCLI(t, srv.URL, "submit", "--dataset", "demo", "--generator", "oversample",
				"--params", `{"max_bytes":1000}`, "--strategy", "add:rare=3", "--seed", "7", "--output", "file:///out",
				"--idempotency-key", "key-1", "--wait")
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			// stdout is the submit answer with the final job, as JSON.
			var final struct {
				Job map[string]any `json:"job"`
			}
			if err := json.Unmarshal([]byte(stdout), &final); err != nil || final.Job["state"] != tt.end {
				t.Errorf("stdout = %q (%v), want the final job in state %s", stdout, err, tt.end)
			}
			// stderr follows the job, one line per change (not a terminal).
			for _, want := range []string{"submitted job_1: 3 samples to generate", "job_1  queued", "job_1  running  generating  rare 1/3", tt.wantStderr} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if strings.Contains(stderr, "big") {
				t.Errorf("a class with nothing to do is shown:\n%s", stderr)
			}

			reqs := srv.got()
			if len(reqs) != 2 {
				t.Fatalf("got %d requests, want a submit and an event stream", len(reqs))
			}
			sub := reqs[0]
			if got := sub.header.Get("Idempotency-Key"); got != "key-1" {
				t.Errorf("Idempotency-Key = %q, want key-1", got)
			}
			if got := sub.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			// The body is one the server accepts: decoded as the server does,
			// unknown fields refused.
			var req api.JobRequest
			dec := json.NewDecoder(bytes.NewReader(sub.body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				t.Fatalf("the server would refuse the body %s: %v", sub.body, err)
			}
			if req.Dataset != "demo" || req.Generator != "oversample" || req.Seed == nil || *req.Seed != 7 || req.Output != "file:///out" ||
				string(req.Params) != `{"max_bytes":1000}` || req.Strategy == nil || req.Strategy.Add["rare"] != 3 {
				t.Errorf("request body = %s", sub.body)
			}
			for _, r := range reqs {
				if got := r.header.Get("Authorization"); got != "Bearer "+cliTestKey {
					t.Errorf("%s %s: Authorization = %q, want the key from TAILSYNTH_API_KEY", r.method, r.path, got)
				}
			}
			if got := reqs[1].header.Get("Accept"); got != "text/event-stream" {
				t.Errorf("events Accept = %q", got)
			}
		})
	}
}

func TestSubmitWithoutWaitPrintsAnswer(t *testing.T) {
	srv := submitServer(t, succeededJob, "succeeded")
	code, stdout, _ := runCLI(t, srv.URL, "submit", "--dataset", "demo", "--generator", "oversample")
	if code != 0 || !strings.Contains(stdout, `"plan": {`) || !strings.Contains(stdout, `"state": "queued"`) {
		t.Errorf("exit %d, stdout %q; want the submit answer, indented", code, stdout)
	}
	if n := len(srv.got()); n != 1 {
		t.Errorf("got %d requests, want only the submit", n)
	}
	var body map[string]any
	_ = json.Unmarshal(srv.got()[0].body, &body)
	for _, k := range []string{"seed", "strategy", "params", "output", "manifest"} {
		if _, ok := body[k]; ok {
			t.Errorf("the body sends %q although no flag gave it: %v", k, body)
		}
	}
}

func TestWaitReconnects(t *testing.T) {
	var mu sync.Mutex
	streams := 0
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		streams++
		n := streams
		mu.Unlock()
		switch n {
		case 1: // the stream breaks before the job ends
			fakeSSE(w, "job", runningJob)
		case 2: // the server restarts
			fakeJSON(w, 503, `{"error":{"code":"unavailable","message":"job database: starting"}}`)
		default:
			fakeSSE(w, "job", succeededJob, "end", `{"state":"succeeded"}`)
		}
	})
	code, stdout, stderr := runCLI(t, srv.URL, "jobs", "wait", "job_1")
	if code != 0 || !strings.Contains(stdout, `"state": "succeeded"`) {
		t.Errorf("exit %d, stdout %q, want 0 and the final job; stderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"the stream ended before the job did; reconnecting", "unavailable: job database: starting (HTTP 503); reconnecting"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if streams != 3 {
		t.Errorf("opened %d streams, want 3", streams)
	}
}

func TestWaitGivesUp(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { fakeSSE(w) })
	code, _, stderr := runCLI(t, srv.URL, "jobs", "wait", "job_1")
	if code != 1 || !strings.Contains(stderr, fmt.Sprintf("gave up after %d reconnects", maxReconnects)) {
		t.Errorf("exit %d, stderr:\n%s\nwant 1 and a give-up message", code, stderr)
	}
	if n := len(srv.got()); n != maxReconnects+1 {
		t.Errorf("opened %d streams, want %d", n, maxReconnects+1)
	}
}

func TestWaitEndWithoutFinalJobFetchesIt(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			fakeSSE(w, "job", runningJob, "end", `{"state":"failed"}`)
			return
		}
		fakeJSON(w, 200, failedJob)
	})
	code, stdout, stderr := runCLI(t, srv.URL, "jobs", "wait", "job_1")
	if code != 1 || !strings.Contains(stdout, `"state": "failed"`) || !strings.Contains(stderr, "disk full") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and the fetched failed job", code, stdout, stderr)
	}
}

func TestErrorModelPrinted(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "rid-7")
		fakeJSON(w, 404, `{"error":{"code":"not_found","message":"no job \"job_9\"","details":{"id":"job_9"}}}`)
	})
	for _, args := range [][]string{{"jobs", "get", "job_9"}, {"jobs", "wait", "job_9"}, {"jobs", "cancel", "job_9"}} {
		code, stdout, stderr := runCLI(t, srv.URL, args...)
		want := "tailsynth: not_found: no job \"job_9\" (HTTP 404, request rid-7)\n  details: {\n    \"id\": \"job_9\"\n  }\n"
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1, nothing, %q", args, code, stdout, stderr, want)
		}
	}
}

func TestUnauthorizedHint(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		fakeJSON(w, 401, `{"error":{"code":"unauthorized","message":"the API key is not valid"}}`)
	})
	code, _, stderr := runCLI(t, srv.URL, "generators")
	if code != 1 || !strings.Contains(stderr, "unauthorized: the API key is not valid (HTTP 401)") || !strings.Contains(stderr, "TAILSYNTH_API_KEY") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	code, _, stderr := runCLI(t, url, "jobs", "list")
	if code != 1 || !strings.Contains(stderr, "connection refused") || !strings.Contains(stderr, "TAILSYNTH_URL") {
		t.Errorf("exit %d, stderr %q; want 1 and a hint naming TAILSYNTH_URL", code, stderr)
	}
}

func TestAPIKeyAndServerFlags(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { fakeJSON(w, 200, `{}`) })
	// Flags beat the environment, and may follow the positional argument.
	code, _, stderr := runCLI(t, "http://127.0.0.1:1", "jobs", "get", "job_1", "--server", srv.URL, "--api-key", "flag-key")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := srv.got()[0].header.Get("Authorization"); got != "Bearer flag-key" {
		t.Errorf("Authorization = %q, want the --api-key value", got)
	}

	var out, errOut bytes.Buffer
	c := &cli{stdout: &out, stderr: &errOut, getenv: func(k string) string {
		return map[string]string{"TAILSYNTH_URL": srv.URL}[k]
	}}
	if code := c.jobs(context.Background(), []string{"get", "job_1"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if h, ok := srv.got()[1].header["Authorization"]; ok {
		t.Errorf("Authorization %q sent with no key configured", h)
	}
}

func TestUsageErrors(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a usage error reached the server: %s %s", r.Method, r.URL)
	})
	tests := []struct {
		args       []string
		wantStderr string
	}{
		{[]string{"submit"}, "--dataset and --generator are required"},
		{[]string{"submit", "--dataset", "d"}, "--generator is required"},
		{[]string{"submit", "--dataset", "d", "--generator", "g", "extra"}, `want no arguments, got 1 argument(s): ["extra"]`},
		{[]string{"submit", "--dataset", "d", "--generator", "g", "--strategy", "most"}, `strategy "most": unknown form`},
		{[]string{"submit", "--dataset", "d", "--generator", "g", "--params", "[1]"}, "want a JSON object"},
		{[]string{"submit", "--dataset", "d", "--generator", "g", "--params", "@/nonexistent/params.json"}, "no such file"},
		{[]string{"submit", "--seed", "seven"}, `invalid value "seven" for flag -seed`},
		{[]string{"submit", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"plan"}, "want DATASET, got 0 argument(s)"},
		{[]string{"plan", "d", "--strategy", "counts:rare"}, `"rare" is not CLASS=N`},
		{[]string{"inspect", "a", "b"}, "want DATASET, got 2 argument(s)"},
		{[]string{"jobs"}, "tailsynth jobs: a command is required"},
		{[]string{"jobs", "bogus"}, `tailsynth jobs: unknown command "bogus"`},
		{[]string{"jobs", "get"}, "want ID, got 0 argument(s)"},
		{[]string{"jobs", "list", "--limit", "x"}, `invalid value "x" for flag -limit`},
		{[]string{"datasets", "register", "name"}, "want NAME LOCATION, got 1 argument(s)"},
		{[]string{"schedules", "create", "--dataset", "d", "--generator", "g", "--seed", "1"}, "--cron is required"},
		{[]string{"schedules", "create", "--cron", "@daily", "--dataset", "d", "--generator", "g"}, "--seed is required"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, srv.URL, tt.args...)
			if code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr)
			}
			if !strings.Contains(stderr, "usage: tailsynth "+tt.args[0]) {
				t.Errorf("stderr does not show the usage:\n%s", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"submit", "-h"}, {"jobs", "--help"}, {"jobs", "get", "-h"}} {
		code, _, stderr := runCLI(t, "http://127.0.0.1:1", args...)
		if code != 0 || !strings.Contains(stderr, "usage: tailsynth") {
			t.Errorf("%v: exit %d, stderr %q; want 0 and the usage", args, code, stderr)
		}
		if strings.Contains(stderr, cliTestKey) {
			t.Errorf("%v: the usage shows the API key", args)
		}
	}
}

func TestJobsListTable(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		fakeJSON(w, 200, `{"jobs":[{"id":"job_2","state":"running","request":{"dataset":"file:///d","generator":"oversample"},
			"progress":{"stage":"generating","classes":{"a":{"done":2,"total":5},"b":{"done":1,"total":1}}},"created_at":"2025-01-02T03:04:05Z"},
			{"id":"job_1","state":"queued","request":{"dataset":"s3://b/p","generator":"composite"},"created_at":"2025-01-02T03:04:00Z"}],
			"next_cursor":"123.job_1"}`)
	})
	code, stdout, stderr := runCLI(t, srv.URL, "jobs", "list", "--state", "running", "--limit", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want a header and 2 rows:\n%s", len(lines), stdout)
	}
	for i, want := range [][]string{{"ID", "STATE", "PROGRESS"}, {"job_2", "running", "oversample", "3/6", "file:///d"}, {"job_1", "queued", "composite", " - ", "s3://b/p"}} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	if !strings.Contains(stderr, "--cursor 123.job_1") {
		t.Errorf("stderr %q does not say how to get the next page", stderr)
	}
	if got, want := srv.got()[0].query, "limit=2&state=running"; got != want {
		t.Errorf("query = %q, want %q", got, want)
	}

	_, stdout, _ = runCLI(t, srv.URL, "jobs", "list", "--json")
	if !json.Valid([]byte(stdout)) || !strings.Contains(stdout, `"next_cursor": "123.job_1"`) {
		t.Errorf("--json stdout = %q", stdout)
	}
}

func TestSchedulesCreateBody(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { fakeJSON(w, 201, `{"id":"sch_1"}`) })
	code, _, stderr := runCLI(t, srv.URL, "schedules", "create", "--cron", "0 3 * * *", "--name", "nightly", "--dataset", "demo",
		"--generator", "oversample", "--seed", "1", "--strategy", "minority", "--only-if-changed")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var body struct {
		Name          string          `json:"name"`
		Cron          string          `json:"cron"`
		Job           json.RawMessage `json:"job"`
		OnlyIfChanged bool            `json:"only_if_changed"`
	}
	dec := json.NewDecoder(bytes.NewReader(srv.got()[0].body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %s: %v", srv.got()[0].body, err)
	}
	var job api.JobRequest
	dec = json.NewDecoder(bytes.NewReader(body.Job))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("job %s: %v", body.Job, err)
	}
	if body.Name != "nightly" || body.Cron != "0 3 * * *" || !body.OnlyIfChanged || job.Seed == nil || *job.Seed != 1 || job.Strategy.Mode != "minority" {
		t.Errorf("body = %s", srv.got()[0].body)
	}
}

func TestDeletePrintsConfirmation(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	code, stdout, stderr := runCLI(t, srv.URL, "datasets", "delete", "demo")
	if code != 0 || stdout != "" || stderr != "deleted dataset demo\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if r := srv.got()[0]; r.method != "DELETE" || r.path != "/v1/datasets/demo" {
		t.Errorf("request %s %s, want DELETE /v1/datasets/demo", r.method, r.path)
	}
}

func TestPathsAreEscaped(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawPath != "/v1/jobs/a%2F..%2Fb" {
			t.Errorf("raw path = %q, want the ID escaped as one segment", r.URL.RawPath)
		}
		fakeJSON(w, 200, `{}`)
	})
	if code, _, stderr := runCLI(t, srv.URL, "jobs", "get", "a/../b"); code != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args, want []string
	}{
		{[]string{"a", "--limit", "3", "b"}, []string{"a", "b"}},
		{[]string{"--limit", "3", "a"}, []string{"a"}},
		{[]string{"--", "-x", "--limit"}, []string{"-x", "--limit"}},
		{[]string{"a", "--", "-b"}, []string{"a", "-b"}},
		{nil, nil},
	}
	for _, tt := range tests {
		fs, _ := (&cli{stderr: &bytes.Buffer{}}).flags("t", "t")
		limit := fs.Int("limit", 0, "")
		got, code, ok := parse(fs, tt.args)
		if !ok || code != 0 || strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("parse(%q) = %q, %d, %v; want %q", tt.args, got, code, ok, tt.want)
		}
		if strings.Contains(strings.Join(tt.args, " "), "--limit 3") && *limit != 3 {
			t.Errorf("parse(%q): --limit = %d, want 3", tt.args, *limit)
		}
	}
}

// hurtingUtility is a utility result in which method "noise" is far below
// real and random oversampling and "copies" ties with them.
func hurtingUtility() *quality.UtilityResult {
	v := func(name string, f1 ...float64) quality.VariantResult {
		r := quality.VariantResult{Name: name, Seeded: len(f1) > 1}
		for i, x := range f1 {
			r.Runs = append(r.Runs, quality.Run{Seed: int64(i + 1), MinorityF1: x, Metrics: quality.Metrics{BalancedAccuracy: 0.9}})
		}
		return r
	}
	return &quality.UtilityResult{Variants: []quality.VariantResult{
		v(quality.VariantReal, 0.80), v(quality.VariantRandomOversampling, 0.80, 0.82, 0.84), v("noise", 0.72), v("copies", 0.82)}}
}

// submit --wait prints the alerts of the job's result (as the pipeline
// writes them) as WARNING lines on stderr.
func TestSubmitWaitPrintsAlerts(t *testing.T) {
	alerts := evaluate.HarmAlerts(hurtingUtility(), "noise")
	if len(alerts) == 0 {
		t.Fatal("the hurting utility raised no alert")
	}
	res, _ := json.Marshal(pipeline.Result{Output: "file:///out/job_1", Files: 3, Added: map[string]int{"rare": 3}, Alerts: alerts})
	final := `{"id":"job_1","state":"succeeded","attempts":1,"result":` + string(res) + `}`
	srv := submitServer(t, final, "succeeded")
	code, stdout, stderr := runCLI(t, srv.URL, "submit", "--dataset", "demo", "--generator", "noise", "--wait")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	want := "WARNING: method noise lowers minority F1 by 0.080 vs real (noise 0.000, logreg judge)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if !strings.Contains(stdout, `"alerts"`) {
		t.Errorf("stdout (the final job) lacks its alerts:\n%s", stdout)
	}

	srv = submitServer(t, succeededJob, "succeeded")
	if _, _, stderr := runCLI(t, srv.URL, "submit", "--dataset", "demo", "--generator", "oversample", "--wait"); strings.Contains(stderr, "WARNING") {
		t.Errorf("a job without alerts printed a warning:\n%s", stderr)
	}
}

// evaluate --wait prints the leaderboard with an ALERTS column, marks
// unreliable fidelity, and prints every row's alerts as WARNING lines; a
// row that ties is not flagged.
func TestEvaluateWaitPrintsAlerts(t *testing.T) {
	u := hurtingUtility()
	f1 := func(name string) *quality.Stat {
		for _, v := range u.Variants {
			if v.Name == name {
				s := quality.Stat{Mean: v.Runs[0].MinorityF1, N: len(v.Runs)}
				return &s
			}
		}
		return nil
	}
	prec := 1.0
	rows := []evaluate.Row{
		{Rank: 1, Name: "copies", Kind: evaluate.KindMethod, MinorityF1: f1("copies"), Alerts: evaluate.HarmAlerts(u, "copies")},
		{Rank: 2, Name: "real", Kind: evaluate.KindBaseline, MinorityF1: f1("real")},
		{Rank: 3, Name: "noise", Kind: evaluate.KindMethod, MinorityF1: f1("noise"), Alerts: evaluate.HarmAlerts(u, "noise"),
			Fidelity: &evaluate.FidelitySummary{Classes: 1, Precision: &prec, Recall: &prec, MinN: 12}},
	}
	lb, _ := json.Marshal(map[string]any{"evaluation": json.RawMessage(`{"id":"ev_1","state":"succeeded","attempts":1}`),
		"leaderboard": rows, "minority": []string{"rare"}})
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST /v1/evaluations":
			fakeJSON(w, 202, `{"evaluation":{"id":"ev_1","state":"queued","attempts":0},"plan":{"total":3,"split":{"description":"test split"}}}`)
		case "GET /v1/jobs/ev_1/events":
			fakeSSE(w, "job", `{"id":"ev_1","state":"succeeded","attempts":1}`, "end", `{"state":"succeeded"}`)
		case "GET /v1/evaluations/ev_1":
			fakeJSON(w, 200, string(lb))
		default:
			fakeJSON(w, 404, `{"error":{"code":"not_found","message":"no route"}}`)
		}
	})
	code, stdout, stderr := runCLI(t, srv.URL, "evaluate", "--dataset", "demo", "--method", "noise", "--method", "copies=oversample", "--wait")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"ALERTS", "1.000*", "* unreliable: computed on too few rows (n=12"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	var noiseLine, copiesLine string
	for _, l := range strings.Split(stdout, "\n") {
		switch f := strings.Fields(l); {
		case len(f) > 1 && f[1] == "noise":
			noiseLine = l
		case len(f) > 1 && f[1] == "copies":
			copiesLine = l
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(noiseLine), "HARM") || !strings.HasSuffix(strings.TrimSpace(copiesLine), "-") {
		t.Errorf("ALERTS cells: noise %q, copies %q; want HARM and -", noiseLine, copiesLine)
	}
	for _, want := range []string{"WARNING: method noise lowers minority F1 by 0.080 vs real (noise 0.000, logreg judge)",
		"WARNING: method noise lowers minority F1 by 0.100 vs random_oversampling (noise 0.020, logreg judge)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "method copies") {
		t.Errorf("the tying method was flagged:\n%s", stderr)
	}
}
