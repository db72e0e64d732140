package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(storagetest.Main(m))
}

type server struct {
	*httptest.Server
	root   string
	bucket string
	loc    *locator.Locator
}

func writeDataset(t *testing.T, dir string, counts map[string]int) {
	for class, n := range counts {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 6, 6))
			img.Pix[0], img.Pix[1] = uint8(i), uint8(len(class))
			f, _ := os.Create(filepath.Join(dir, class, fmt.Sprintf("%03d.png", i)))
			png.Encode(f, img)
			f.Close()
		}
	}
}

// newServer runs the real router, job engine (SQLite) and storage (local
// roots and, when withS3, a versitygw bucket); opts adjust the routes.
func newServer(t *testing.T, withS3 bool, opts ...func(*api.V1)) *server {
	t.Helper()
	return newServerKeys(t, withS3, nil, opts...)
}

// newServerKeys is newServer with API keys (server.api_keys) on.
func newServerKeys(t *testing.T, withS3 bool, keys []string, opts ...func(*api.V1)) *server {
	t.Helper()
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"common": 24, "rare": 3})
	lc := locator.Config{LocalRoots: []string{root}}
	s := &server{root: root}
	if withS3 {
		srv := storagetest.S3(t)
		cfg := srv.Config()
		s.bucket = srv.NewBucket(t)
		lc.S3, lc.AllowedBuckets = &cfg, []string{s.bucket}
	}
	loc, err := locator.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	s.loc = loc
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &pipeline.Pipeline{Registry: reg, Log: log, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := loc.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: filepath.Join(root, "state"), Pipeline: p, Log: log,
		MaxSamples: 500, MinScheduleInterval: 5 * time.Minute, Heartbeat: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	names, err := datasets.OpenRegistry(context.Background(), eng.SQL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v1 := &api.V1{Jobs: eng, Datasets: names, Schedules: eng, Evaluations: eng, Pipeline: p, Resolve: loc.Resolve, DefaultOutput: root + "/out", MaxSamples: 500}
	for _, o := range opts {
		o(v1)
	}
	r := api.NewRouter(api.Options{Logger: log, MaxBodyBytes: 4096, APIKeys: keys, Mount: []func(gin.IRouter){v1.Mount}})
	s.Server = httptest.NewServer(r)
	t.Cleanup(func() {
		s.Server.Close()
		eng.Stop(context.Background())
		eng.Close()
	})
	return s
}

func (s *server) do(t *testing.T, method, path, body string, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, b)
		}
	}
	return resp.StatusCode, resp.Header, m
}

func (s *server) waitJob(t *testing.T, id string, hdr ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, j := s.do(t, "GET", "/v1/jobs/"+id, "", hdr...)
		if st := j["state"].(string); jobs.Terminal(st) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not finish: %v", id, j)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func TestJobToS3AndReadBack(t *testing.T) {
	s := newServer(t, true)
	body := fmt.Sprintf(`{"dataset": "file://%s/ds", "generator": "oversample", "params": {}, "strategy": "auto", "seed": 7, "output": "s3://%s/runs"}`, s.root, s.bucket)
	code, hdr, resp := s.do(t, "POST", "/v1/jobs", body)
	if code != http.StatusAccepted {
		t.Fatalf("submit: %d %v", code, resp)
	}
	job := resp["job"].(map[string]any)
	id := job["id"].(string)
	if hdr.Get("Location") != "/v1/jobs/"+id {
		t.Errorf("Location %q", hdr.Get("Location"))
	}
	j := s.waitJob(t, id)
	if j["state"] != "succeeded" {
		t.Fatalf("job %v", j)
	}
	// Read the output back from the S3 server, as training code would.
	st, _, err := s.loc.Open(context.Background(), "s3://"+s.bucket+"/runs/"+id)
	if err != nil {
		t.Fatal(err)
	}
	keys := storagetest.Keys(t, context.Background(), st, "", storage.ListOptions{})
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, "data/rare/") && strings.HasSuffix(k, ".png") {
			n++
		}
	}
	if n != 21 || keys[0] != "_SUCCESS" {
		t.Errorf("S3 output holds %d rare samples (want 21), keys %q", n, keys)
	}
	rc, _, err := st.Get(context.Background(), "metadata.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if strings.Count(string(b), "\n") != 21 {
		t.Errorf("metadata.jsonl has %d rows", strings.Count(string(b), "\n"))
	}
}

func TestIdempotencyOverHTTP(t *testing.T) {
	s := newServer(t, false)
	body := fmt.Sprintf(`{"dataset": "%s/ds", "generator": "oversample", "seed": 1}`, s.root)
	c1, _, r1 := s.do(t, "POST", "/v1/jobs", body, "Idempotency-Key", "abc")
	c2, _, r2 := s.do(t, "POST", "/v1/jobs", body, "Idempotency-Key", "abc")
	id1 := r1["job"].(map[string]any)["id"]
	id2 := r2["job"].(map[string]any)["id"]
	if c1 != 202 || c2 != 200 || id1 != id2 {
		t.Errorf("retried submit: %d %d, ids %v %v; want 202 then 200 with the same job", c1, c2, id1, id2)
	}
	other := strings.Replace(body, `"seed": 1`, `"seed": 2`, 1)
	if c, _, r := s.do(t, "POST", "/v1/jobs", other, "Idempotency-Key", "abc"); c != 409 {
		t.Errorf("same key, other body: %d %v, want 409", c, r)
	}
	if c, _, _ := s.do(t, "POST", "/v1/jobs", strings.Replace(body, `, "seed": 1`, "", 1), "Idempotency-Key", "def"); c != 400 {
		t.Errorf("idempotency key without a seed: %d, want 400", c)
	}
	s.waitJob(t, id1.(string))
}

func TestEventsStream(t *testing.T) {
	s := newServer(t, false)
	_, _, r := s.do(t, "POST", "/v1/jobs", fmt.Sprintf(`{"dataset": "%s/ds", "generator": "oversample", "seed": 3}`, s.root))
	id := r["job"].(map[string]any)["id"].(string)
	resp, err := http.Get(s.URL + "/v1/jobs/" + id + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var events []string
	var lastJob map[string]any
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			events = append(events, ev)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && events[len(events)-1] == "job" {
			json.Unmarshal([]byte(data), &lastJob)
		}
	}
	if len(events) < 2 || events[len(events)-1] != "end" || lastJob["state"] != "succeeded" {
		t.Errorf("events %v, last job state %v; want job events ending in end/succeeded", events, lastJob["state"])
	}
}

func TestBadRequests(t *testing.T) {
	s := newServer(t, false)
	ds := s.root + "/ds"
	// Issue 13 item 1: links under the allowed root that lead into the
	// dataset, in both directions.
	if err := os.Symlink(ds, s.root+"/dslink"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"unknown field", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","colour":"red"}`, 400, `unknown field "colour"`},
		{"wrong type", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","seed":"7"}`, 400, `field "seed": got a JSON string, want an integer`},
		{"oversized", "POST", "/v1/jobs", `{"dataset":"` + strings.Repeat("x", 5000) + `"}`, 413, "4096 bytes"},
		{"no generator", "POST", "/v1/jobs", `{"dataset":"` + ds + `"}`, 400, "generator is required; available: oversample"},
		{"unknown generator", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"magic"}`, 400, `unknown generator "magic"; available: oversample`},
		{"unknown param", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","params":{"speed":11}}`, 400, `unknown parameter "speed"`},
		{"unknown dataset", "POST", "/v1/jobs", `{"dataset":"xray","generator":"oversample"}`, 404, `dataset "xray" is neither a location`},
		{"forbidden dataset", "POST", "/v1/jobs", `{"dataset":"/etc","generator":"oversample"}`, 403, "outside the allowed local roots"},
		{"forbidden bucket", "POST", "/v1/jobs", `{"dataset":"s3://someone-else/x","generator":"oversample"}`, 403, "S3 is not configured"},
		{"unknown class", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","strategy":{"counts":{"cat":30}}}`, 400, `class "cat" is not in the dataset (classes: common, rare)`},
		{"below count", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","strategy":{"counts":{"rare":1}}}`, 400, "below the 3 it has"},
		{"bad ratio", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","strategy":1.5}`, 400, "outside (0, 1]"},
		{"bad strategy", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","strategy":"most"}`, 400, `unknown strategy "most"`},
		{"above max", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","strategy":{"add":{"rare":501}}}`, 422, "jobs.max_samples"},
		{"output in dataset", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","output":"` + ds + `/x"}`, 422, "inside the dataset"},
		{"output is a link to the dataset", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","output":"` + s.root + `/dslink"}`, 422, "once symlinks are resolved"},
		{"output below a link to the dataset", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","output":"` + s.root + `/dslink/out"}`, 422, "once symlinks are resolved"},
		{"dataset through a link, output in it", "POST", "/v1/jobs", `{"dataset":"` + s.root + `/dslink","generator":"oversample","output":"` + ds + `/out"}`, 422, "once symlinks are resolved"},
		{"plan unknown class", "POST", "/v1/plan", `{"dataset":"` + ds + `","strategy":{"add":{"dog":1}}}`, 400, `class "dog"`},
		// Issue 13 item 11: plan applies the per-job sample cap as submit does.
		{"plan above max", "POST", "/v1/plan", `{"dataset":"` + ds + `","strategy":{"add":{"rare":501}}}`, 422, "jobs.max_samples"},
		// Issue 13 item 17: a strategy that adds nothing is refused by plan
		// and submit alike, with a hint that can help.
		{"plan adds nothing", "POST", "/v1/plan", `{"dataset":"` + ds + `","strategy":{"counts":{"rare":3}}}`, 400, "asks for no samples"},
		{"ratio too small", "POST", "/v1/plan", `{"dataset":"` + ds + `","strategy":0.1}`, 400, "use a ratio of at least 0.1667"},
		{"ratio adds nothing", "POST", "/v1/plan", `{"dataset":"` + ds + `","strategy":0.125}`, 400, "use a ratio of at least 0.1667"},
		{"submit ratio adds nothing", "POST", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","strategy":0.125}`, 400, "use a ratio of at least 0.1667"},
		// Issue 13 item 17: a dataset location that does not exist is not found.
		{"inspect missing dataset", "POST", "/v1/inspect", `{"dataset":"` + s.root + `/nothing"}`, 404, "not found"},
		{"plan missing dataset", "POST", "/v1/plan", `{"dataset":"` + s.root + `/nothing"}`, 404, "not found"},
		{"submit missing dataset", "POST", "/v1/jobs", `{"dataset":"` + s.root + `/nothing","generator":"oversample"}`, 404, "not found"},
		{"bad state filter", "GET", "/v1/jobs?state=done", "", 400, "accepted: queued, running"},
		{"bad kind filter", "GET", "/v1/jobs?kind=train", "", 400, "accepted: generate, evaluate"},
		{"bad limit", "GET", "/v1/jobs?limit=0", "", 400, "accepted: 1 to 500"},
		{"bad cursor", "GET", "/v1/jobs?cursor=zzz", "", 400, "not one this server issued"},
		{"cursor with junk time", "GET", "/v1/jobs?cursor=17x.job_00112233445566778899", "", 400, "accepted: the next_cursor"},
		{"cursor with negative time", "GET", "/v1/jobs?cursor=-1.job_00112233445566778899", "", 400, "accepted: the next_cursor"},
		{"cursor without id", "GET", "/v1/jobs?cursor=1700000000000.", "", 400, "accepted: the next_cursor"},
		{"cursor with a bad id", "GET", "/v1/jobs?cursor=1700000000000.x", "", 400, "accepted: the next_cursor"},
		{"cursor with spaces", "GET", "/v1/jobs?cursor=+1700000000000.job_00112233445566778899", "", 400, "accepted: the next_cursor"},
		{"missing job", "GET", "/v1/jobs/job_nope", "", 404, `no job "job_nope"`},
		{"cancel missing", "POST", "/v1/jobs/job_nope/cancel", "", 404, "no job"},
		{"bad cron", "POST", "/v1/schedules", `{"cron":"sometimes","job":{"dataset":"` + ds + `","generator":"oversample","seed":1}}`, 400, "accepted: 5 fields"},
		{"schedule too often", "POST", "/v1/schedules", `{"cron":"@every 1s","job":{"dataset":"` + ds + `","generator":"oversample","seed":1}}`, 400, "more often than the server's floor of 5m0s"},
		{"schedule without seed", "POST", "/v1/schedules", `{"cron":"@daily","job":{"dataset":"` + ds + `","generator":"oversample"}}`, 400, "seed is required"},
		{"bad dataset name", "POST", "/v1/datasets", `{"name":"Bad Name","location":"` + ds + `"}`, 400, "lower-case letters"},
		{"inspect forbidden", "POST", "/v1/inspect", `{"dataset":"/root"}`, 403, "outside the allowed local roots"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := s.do(t, c.method, c.path, c.body)
			e, _ := body["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if code != c.status || !strings.Contains(msg, c.want) {
				t.Errorf("%d %q, want %d and a message containing %q", code, msg, c.status, c.want)
			}
		})
	}
}

func TestDatasetsAndSchedules(t *testing.T) {
	s := newServer(t, false)
	if c, h, _ := s.do(t, "POST", "/v1/datasets", `{"name":"toy","location":"`+s.root+`/ds","description":"test"}`); c != 201 || h.Get("Location") != "/v1/datasets/toy" {
		t.Fatalf("register: %d", c)
	}
	if c, _, _ := s.do(t, "POST", "/v1/datasets", `{"name":"toy","location":"`+s.root+`/ds"}`); c != 409 {
		t.Errorf("register twice: %d, want 409", c)
	}
	c, _, plan := s.do(t, "POST", "/v1/plan", `{"dataset":"toy","strategy":"minority"}`)
	if c != 200 || plan["total"].(float64) != 21 {
		t.Errorf("plan by name: %d %v", c, plan)
	}
	c, _, in := s.do(t, "POST", "/v1/inspect", `{"dataset":"toy"}`)
	insp, _ := in["inspection"].(map[string]any)
	if c != 200 || insp["imbalance_ratio"].(float64) != 8 {
		t.Errorf("inspect: %d %v", c, in)
	}
	c, _, sch := s.do(t, "POST", "/v1/schedules", `{"name":"nightly","cron":"0 3 * * *","only_if_changed":true,"job":{"dataset":"toy","generator":"oversample","seed":5}}`)
	if c != 201 {
		t.Fatalf("create schedule: %d %v", c, sch)
	}
	id := sch["id"].(string)
	if c, _, list := s.do(t, "GET", "/v1/schedules", ""); c != 200 || len(list["schedules"].([]any)) != 1 {
		t.Errorf("list schedules: %d %v", c, list)
	}
	if c, _, _ := s.do(t, "DELETE", "/v1/schedules/"+id, ""); c != 204 {
		t.Errorf("delete schedule: %d", c)
	}
	if c, _, _ := s.do(t, "GET", "/v1/schedules/"+id, ""); c != 404 {
		t.Errorf("deleted schedule: %d", c)
	}
	if c, _, gens := s.do(t, "GET", "/v1/generators", ""); c != 200 || len(gens["generators"].([]any)) != 1 {
		t.Errorf("generators: %d %v", c, gens)
	}
}

// TestOutputNotInsideAnotherJobs checks issue 13 item 2: neither a job's
// output nor its dataset may lie inside another job's output folder, named
// directly or through a symlink.
func TestOutputNotInsideAnotherJobs(t *testing.T) {
	s := newServer(t, false)
	ds := s.root + "/ds"
	code, _, resp := s.do(t, "POST", "/v1/jobs", `{"dataset":"`+ds+`","generator":"oversample","seed":1,"output":"`+s.root+`/out"}`)
	if code != http.StatusAccepted {
		t.Fatalf("first job: %d %v", code, resp)
	}
	id := resp["job"].(map[string]any)["id"].(string)
	if j := s.waitJob(t, id); j["state"] != "succeeded" {
		t.Fatalf("first job %v", j)
	}
	jobDir := s.root + "/out/" + id
	if err := os.Symlink(jobDir, s.root+"/joblink"); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, body string }{
		{"output is the job's folder", `{"dataset":"` + ds + `","generator":"oversample","output":"` + jobDir + `"}`},
		{"output below the job's folder", `{"dataset":"` + ds + `","generator":"oversample","output":"` + jobDir + `/data/more"}`},
		{"output through a link to the job's folder", `{"dataset":"` + ds + `","generator":"oversample","output":"` + s.root + `/joblink/x"}`},
		{"dataset inside the job's folder", `{"dataset":"` + jobDir + `/data","generator":"oversample","output":"` + s.root + `/out2"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, body := s.do(t, "POST", "/v1/jobs", c.body)
			e, _ := body["error"].(map[string]any)
			msg, _ := e["message"].(string)
			if code != http.StatusUnprocessableEntity || !strings.Contains(msg, "output folder of job "+id) {
				t.Errorf("%d %q, want 422 naming the output folder of job %s", code, msg, id)
			}
		})
	}
	// Beside it, in the same output location, is fine.
	if code, _, resp := s.do(t, "POST", "/v1/jobs", `{"dataset":"`+ds+`","generator":"oversample","seed":2,"output":"`+s.root+`/out"}`); code != http.StatusAccepted {
		t.Errorf("second job beside the first: %d %v", code, resp)
	}
}

// TestCancelFinishedJob checks issue 13 item 17: cancelling a job that has
// ended is a 409 whose body names the job's state, and changes nothing.
func TestCancelFinishedJob(t *testing.T) {
	s := newServer(t, false)
	_, _, r := s.do(t, "POST", "/v1/jobs", fmt.Sprintf(`{"dataset": "%s/ds", "generator": "oversample", "seed": 3}`, s.root))
	id := r["job"].(map[string]any)["id"].(string)
	if j := s.waitJob(t, id); j["state"] != "succeeded" {
		t.Fatalf("job %v", j)
	}
	code, _, body := s.do(t, "POST", "/v1/jobs/"+id+"/cancel", "")
	e, _ := body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	details, _ := e["details"].(map[string]any)
	if code != http.StatusConflict || e["code"] != "conflict" || !strings.Contains(msg, "succeeded") ||
		details["state"] != "succeeded" || details["id"] != id {
		t.Errorf("cancel a succeeded job: %d %v, want 409 conflict naming the state in the message and details", code, body)
	}
	if _, _, j := s.do(t, "GET", "/v1/jobs/"+id, ""); j["state"] != "succeeded" || j["cancel_requested"] == true {
		t.Errorf("after the refused cancel: %v, want it unchanged", j)
	}
}
