package api

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// evalDataset writes train/{a: 30, b: 30, rare: 6} and test/{a, b, rare:
// 10} of 8x8 grey images whose class is a bright column (a), row (b) or
// both (rare), at a jittered position.
func evalDataset(t *testing.T, dir string) {
	t.Helper()
	for split, counts := range map[string]map[string]int{"train": {"a": 30, "b": 30, "rare": 6}, "test": {"a": 10, "b": 10, "rare": 10}} {
		for class, n := range counts {
			for i := range n {
				img := image.NewGray(image.Rect(0, 0, 8, 8))
				k := 3 + (i*7+len(class)+len(split))%3 - 1
				for j := range 8 {
					img.Pix[j*8+(i+j)%2] = uint8(10 * j)
					if class != "b" {
						img.Pix[j*8+k] = 255
					}
					if class != "a" {
						img.Pix[k*8+j] = 250
					}
				}
				p := filepath.Join(dir, split, class, fmt.Sprintf("%03d.png", i))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				f, err := os.Create(p)
				if err != nil {
					t.Fatal(err)
				}
				png.Encode(f, img)
				f.Close()
			}
		}
	}
}

// evalServer runs the real router, job engine (SQLite) and evaluator.
func evalServer(t *testing.T) (http.Handler, string) {
	t.Helper()
	root := t.TempDir()
	evalDataset(t, filepath.Join(root, "ds"))
	loc, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// A small MLP, 8x8 features and 8 PCA components: gonum's eigensolver
	// is slow under the race detector.
	cfg := evaluate.Config{PCAComponents: 8}
	cfg.MLP.Hidden, cfg.Features.Size = 16, 8
	p := &pipeline.Pipeline{Registry: reg, Log: log, Quality: &evaluate.Hook{Config: cfg}, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := loc.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: filepath.Join(root, "state"), Pipeline: p, Log: log,
		Evaluator: &evaluate.Runner{Pipeline: p, Config: cfg, Log: log}, MaxSamples: 500,
		Heartbeat: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Stop(context.Background())
		eng.Close()
	})
	names, err := datasets.OpenRegistry(context.Background(), eng.SQL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v1 := &V1{Jobs: eng, Datasets: names, Schedules: eng, Evaluations: eng, Pipeline: p, Resolve: loc.Resolve, DefaultOutput: "file://" + root + "/out", MaxSamples: 500}
	return NewRouter(Options{Logger: log, Mount: []func(gin.IRouter){v1.Mount, MountOpenAPI}}), root
}

func evalDo(t *testing.T, doc map[string]any, h http.Handler, method, path, template, body string, want int) map[string]any {
	t.Helper()
	w := oasDo(h, method, path, body, "Content-Type", "application/json")
	if w.Code != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, w.Code, w.Body, want)
	}
	oasCheckResponse(t, doc, method, template, w)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return m
}

// TestEvaluationEndToEnd submits an evaluation of oversample through the
// API, follows it on the engine, and reads the leaderboard and report.
func TestEvaluationEndToEnd(t *testing.T) {
	doc := loadOpenAPI(t)
	h, root := evalServer(t)
	ds := "file://" + root + "/ds"
	sub := evalDo(t, doc, h, "POST", "/v1/evaluations", "/v1/evaluations",
		`{"dataset":"`+ds+`","methods":[{"generator":"oversample"}],"seeds":[1,2]}`, http.StatusAccepted)
	ev := sub["evaluation"].(map[string]any)
	id := ev["id"].(string)
	if ev["kind"] != jobs.KindEvaluate {
		t.Errorf("kind %v, want evaluate", ev["kind"])
	}
	if plan := sub["plan"].(map[string]any); plan["total"] != 24.0 || plan["split"].(map[string]any)["source"] != "test" {
		t.Errorf("plan %v, want 24 rare samples and the dataset's test split", plan)
	}
	var got map[string]any
	deadline := time.Now().Add(60 * time.Second)
	for {
		got = evalDo(t, doc, h, "GET", "/v1/evaluations/"+id, "/v1/evaluations/{id}", "", http.StatusOK)
		if jobs.Terminal(got["evaluation"].(map[string]any)["state"].(string)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("evaluation did not finish: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := got["evaluation"].(map[string]any)["state"]; st != jobs.StateSucceeded {
		t.Fatalf("evaluation %v: %v", st, got["evaluation"].(map[string]any)["error"])
	}
	rows := map[string]map[string]any{}
	for _, r := range got["leaderboard"].([]any) {
		row := r.(map[string]any)
		rows[row["name"].(string)] = row
	}
	for _, name := range []string{quality.VariantReal, quality.VariantRandomOversampling, quality.VariantSMOTE, "oversample"} {
		if rows[name] == nil || rows[name]["minority_f1"] == nil {
			t.Errorf("leaderboard row %q missing or without minority F1: %v", name, rows[name])
		}
	}
	if f := rows["oversample"]["fidelity"].(map[string]any); f["near_copy_share"] != 1.0 || f["alert"] != true {
		t.Errorf("oversample fidelity %v: its samples are training copies, want near-copy share 1 and the alert", f)
	}

	files := got["files"].(map[string]any)
	out, err := storage.ParseLocation(files["report_html"].(string))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>Leaderboard", "<h2>Utility", "F1 per class", "data:image/png;base64,"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	lbPath, _ := storage.ParseLocation(files["leaderboard"].(string))
	if _, err := os.Stat(lbPath.Path); err != nil {
		t.Errorf("leaderboard.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(lbPath.Path), "methods", "oversample", generators.SuccessKey)); err != nil {
		t.Errorf("method output: %v", err)
	}
	// The job routes show the evaluation too.
	evalDo(t, doc, h, "GET", "/v1/jobs/"+id, "/v1/jobs/{id}", "", http.StatusOK)
}

func TestEvaluationRequests(t *testing.T) {
	doc := loadOpenAPI(t)
	h, root := evalServer(t)
	ds := "file://" + root + "/ds"
	job := evalDo(t, doc, h, "POST", "/v1/jobs", "/v1/jobs", `{"dataset":"`+ds+`","generator":"oversample","seed":1,"quality":"off"}`, http.StatusAccepted)
	jobID := job["job"].(map[string]any)["id"].(string)
	if q := job["job"].(map[string]any)["request"].(map[string]any)["quality"]; q != "off" {
		t.Errorf("job request quality %v, want off", q)
	}
	tests := []struct {
		name, method, path, template, body string
		want                               int
		msg                                string
	}{
		{"no methods", "POST", "/v1/evaluations", "/v1/evaluations", `{"dataset":"` + ds + `","methods":[]}`, 400, "methods is empty"},
		{"unknown generator", "POST", "/v1/evaluations", "/v1/evaluations", `{"dataset":"` + ds + `","methods":[{"generator":"gan"}]}`, 400, "unknown generator"},
		{"reserved name", "POST", "/v1/evaluations", "/v1/evaluations", `{"dataset":"` + ds + `","methods":[{"name":"real","generator":"oversample"}]}`, 400, "built-in baseline"},
		{"unknown field", "POST", "/v1/evaluations", "/v1/evaluations", `{"dataset":"` + ds + `","methods":[{"generator":"oversample"}],"seed":1}`, 400, "seed"},
		{"output inside dataset", "POST", "/v1/evaluations", "/v1/evaluations", `{"dataset":"` + ds + `","methods":[{"generator":"oversample"}],"output":"` + ds + `/x"}`, 422, "inside the dataset"},
		{"nothing to add", "POST", "/v1/evaluations", "/v1/evaluations", `{"dataset":"` + ds + `","methods":[{"generator":"oversample"}],"strategy":{"add":{"a":0}}}`, 400, "no samples"},
		{"a generation job", "GET", "/v1/evaluations/" + jobID, "/v1/evaluations/{id}", "", 404, "generate job"},
		{"no such evaluation", "GET", "/v1/evaluations/eval_nope", "/v1/evaluations/{id}", "", 404, "no evaluation"},
		{"bad quality", "POST", "/v1/jobs", "/v1/jobs", `{"dataset":"` + ds + `","generator":"oversample","quality":"maybe"}`, 400, `quality "maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := evalDo(t, doc, h, tt.method, tt.path, tt.template, tt.body, tt.want)
			if msg, _ := m["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q, want it to contain %q", msg, tt.msg)
			}
		})
	}
}

// TestOpenAPIEvaluationSchemas holds the evaluation schemas to their Go
// types, as TestOpenAPISchemasMatchGoTypes does for the others.
func TestOpenAPIEvaluationSchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	tests := []struct {
		schema  string
		typ     reflect.Type
		request bool
	}{
		{"EvaluationRequest", reflect.TypeFor[EvaluationRequest](), true},
		{"EvaluationMethod", reflect.TypeFor[evaluate.Method](), true},
		{"EvaluationSubmitResponse", reflect.TypeFor[evaluationSubmitResponse](), false},
		{"EvaluationPlan", reflect.TypeFor[evaluationPlan](), false},
		{"HeldOutSplit", reflect.TypeFor[evaluate.Split](), false},
		{"Evaluation", reflect.TypeFor[EvaluationResponse](), false},
		{"LeaderboardRow", reflect.TypeFor[evaluate.Row](), false},
		{"Stat", reflect.TypeFor[quality.Stat](), false},
		{"Lift", reflect.TypeFor[quality.Lift](), false},
		{"FidelitySummary", reflect.TypeFor[evaluate.FidelitySummary](), false},
		{"TableEvaluation", reflect.TypeFor[evaluate.TableEvaluation](), false},
		{"TableEvaluationColumn", reflect.TypeFor[evaluate.TableColumn](), false},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			v, ok := oasMustResolve(t, doc, "#/components/schemas/"+tt.schema)
			if !ok {
				return
			}
			s := v.(map[string]any)
			props, _ := s["properties"].(map[string]any)
			fields := oasJSONFields(tt.typ)
			for name, ft := range fields {
				p, ok := props[name]
				if !ok {
					t.Errorf("%s has JSON field %q; the schema does not document it", tt.typ, name)
					continue
				}
				want, _ := oasJSONType(ft)
				if got, _ := oasDeref(t, doc, p)["type"].(string); want != "" && got != want {
					t.Errorf("property %q: schema type %q, want %q for Go type %s", name, got, want, ft)
				}
			}
			for name := range props {
				if _, ok := fields[name]; !ok {
					t.Errorf("the schema documents %q, which %s does not have", name, tt.typ)
				}
			}
			if tt.request && s["additionalProperties"] != false {
				t.Error("a request body schema must say additionalProperties: false")
			}
		})
	}
}
