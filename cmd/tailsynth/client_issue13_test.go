package main

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
)

// Issue 13, item 17: small things a user hit with the command line.

// A relative dataset or output path is made absolute against the working
// directory; a registered name, a URI and an absolute path go as they are.
func TestRelativePathsResolved(t *testing.T) {
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(wd, p) }
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		fakeJSON(w, 200, `{"job":`+queuedJob+`,"plan":{"total":1},"evaluation":{"id":"eval_1","state":"queued"}}`)
	})
	tests := []struct {
		args []string
		want map[string]string // body field -> value sent
	}{
		{[]string{"inspect", "data/datasets/toy"}, map[string]string{"dataset": abs("data/datasets/toy")}},
		{[]string{"inspect", "./toy"}, map[string]string{"dataset": abs("toy")}},
		{[]string{"inspect", ".."}, map[string]string{"dataset": filepath.Dir(wd)}},
		{[]string{"inspect", "toy"}, map[string]string{"dataset": "toy"}}, // a registered name
		{[]string{"inspect", "/srv/data/toy"}, map[string]string{"dataset": "/srv/data/toy"}},
		{[]string{"inspect", "s3://bucket/toy"}, map[string]string{"dataset": "s3://bucket/toy"}},
		{[]string{"inspect", "file:///srv/toy"}, map[string]string{"dataset": "file:///srv/toy"}},
		{[]string{"plan", "data/datasets/toy"}, map[string]string{"dataset": abs("data/datasets/toy")}},
		{[]string{"submit", "--dataset", "data/datasets/toy", "--generator", "oversample", "--output", "out"},
			map[string]string{"dataset": abs("data/datasets/toy"), "output": abs("out")}},
		{[]string{"datasets", "register", "toy", "data/datasets/toy"}, map[string]string{"location": abs("data/datasets/toy")}},
		{[]string{"evaluate", "--dataset", "data/datasets/toy", "--method", "oversample", "--output", "runs/x"},
			map[string]string{"dataset": abs("data/datasets/toy"), "output": abs("runs/x")}},
	}
	for _, tt := range tests {
		n := len(srv.got())
		code, _, stderr := runCLI(t, srv.URL, tt.args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", tt.args, code, stderr)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(srv.got()[n].body, &body); err != nil {
			t.Fatalf("%v: body %s: %v", tt.args, srv.got()[n].body, err)
		}
		for k, want := range tt.want {
			if body[k] != want {
				t.Errorf("%v: %s = %v, want %q", tt.args, k, body[k], want)
			}
		}
	}
	// schedules create sends the job template with the same rule.
	n := len(srv.got())
	if code, _, stderr := runCLI(t, srv.URL, "schedules", "create", "--cron", "@daily", "--dataset", "ds/toy", "--generator", "oversample", "--seed", "1"); code != 0 {
		t.Fatalf("schedules create: exit %d: %s", code, stderr)
	}
	var sch struct {
		Job struct{ Dataset string } `json:"job"`
	}
	_ = json.Unmarshal(srv.got()[n].body, &sch)
	if sch.Job.Dataset != abs("ds/toy") {
		t.Errorf("schedules create: job.dataset = %q, want %q", sch.Job.Dataset, abs("ds/toy"))
	}
}

// "tailsynth generators" shows every parameter with its default, as the
// README promises.
func TestGeneratorsTableShowsDefaults(t *testing.T) {
	infos := []generators.Info{
		generators.Oversample{}.Info(),
		{Name: "composite", Description: "CB-ImgComp", Kinds: []string{"image"}, Params: []generators.ParamInfo{
			{Name: "layout", Type: "string", Default: "3x1", Description: "tiles"},
			{Name: "size", Type: "integer", Default: 224, Description: "pixels"},
			{Name: "augment", Type: "boolean", Default: false, Description: "augment tiles"},
			{Name: "weights", Type: "array", Default: []float64{0.5, 0.5}, Description: "mix"},
			{Name: "model", Type: "string", Description: "no default"},
		}},
	}
	b, _ := json.Marshal(map[string]any{"generators": infos, "max_samples_per_job": 100000})
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { fakeJSON(w, 200, string(b)) })
	code, stdout, stderr := runCLI(t, srv.URL, "generators")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, g := range infos {
		if !strings.Contains(stdout, g.Name) {
			t.Errorf("generator %s missing:\n%s", g.Name, stdout)
		}
		for _, p := range g.Params {
			def := "-"
			if p.Default != nil {
				if s, ok := p.Default.(string); ok {
					def = s
				} else {
					d, _ := json.Marshal(p.Default)
					def = string(d)
				}
			}
			line := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(p.Name) + `\s+` + regexp.QuoteMeta(def) + `\s+` + regexp.QuoteMeta(p.Description) + `$`)
			if !line.MatchString(stdout) {
				t.Errorf("%s: no line %q with its default %s and description:\n%s", g.Name, p.Name, def, stdout)
			}
		}
	}
}

// submit and submit --wait print the same shape: {"job": ..., "plan": ...},
// the job as submitted or as it ended.
func TestSubmitAndWaitPrintOneShape(t *testing.T) {
	shape := func(args ...string) map[string]json.RawMessage {
		srv := submitServer(t, succeededJob, "succeeded")
		code, stdout, stderr := runCLI(t, srv.URL, append([]string{"submit", "--dataset", "demo", "--generator", "oversample"}, args...)...)
		if code != 0 {
			t.Fatalf("submit %v: exit %d: %s", args, code, stderr)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("submit %v: stdout %q is not a JSON object: %v", args, stdout, err)
		}
		return out
	}
	plain, waited := shape(), shape("--wait")
	for _, k := range []string{"job", "plan"} {
		if plain[k] == nil || waited[k] == nil {
			t.Errorf("%q: submit has %s, submit --wait has %s; want both", k, plain[k], waited[k])
		}
	}
	if len(plain) != len(waited) {
		t.Errorf("submit prints %d fields, submit --wait %d", len(plain), len(waited))
	}
	var job struct{ State string }
	_ = json.Unmarshal(waited["job"], &job)
	if job.State != "succeeded" {
		t.Errorf("submit --wait: job state %q, want the final job (succeeded)", job.State)
	}
	if string(plain["plan"]) != string(waited["plan"]) {
		t.Errorf("plan differs: %s vs %s", plain["plan"], waited["plan"])
	}
}

// evaluate's help names the server's default feature space as the default
// and first.
func TestEvaluateFeaturesHelpNamesServerDefault(t *testing.T) {
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	req := evaluate.Request{Dataset: "d", Methods: []evaluate.Method{{Generator: "oversample"}}}
	if err := req.Normalize(reg); err != nil {
		t.Fatal(err)
	}
	def := req.Features
	code, _, stderr := runCLI(t, "http://127.0.0.1:1", "evaluate", "-h")
	if code != 0 {
		t.Fatalf("evaluate -h: exit %d", code)
	}
	if !strings.Contains(stderr, "[--features "+def+"|") {
		t.Errorf("the usage line does not list the server's default %q first:\n%s", def, stderr)
	}
	if !regexp.MustCompile(`(?m)-features.*\n.*\b` + def + ` \(default\)`).MatchString(stderr) {
		t.Errorf("the --features help does not call %q the default:\n%s", def, stderr)
	}
}
