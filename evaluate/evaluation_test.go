package evaluate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

func runEvaluation(t *testing.T, p *generators.Pipeline, id string, req evaluate.Request, cfg ...evaluate.Config) (*generators.Result, error) {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r := &evaluate.Runner{Pipeline: p, Config: fastConfig()}
	if len(cfg) > 0 {
		r.Config = cfg[0]
	}
	var stages []string
	res, err := r.RunEvaluation(context.Background(), id, body, func(pr generators.Progress) { stages = append(stages, pr.Stage) })
	if err == nil && !res.Resumed && (len(stages) == 0 || stages[len(stages)-1] != "done") {
		t.Errorf("progress stages %v, want the last to be done", stages)
	}
	return res, err
}

// An evaluation of a dataset without splits: a seeded stratified split is
// held out, the methods generate from the rest only, and the leaderboard
// holds the baselines and the methods.
func TestEvaluationStratified(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "", map[string]int{"h": 40, "v": 40, "d": 10}, 1)
	p := testPipeline(t, nil, nil, root)
	req := evaluate.Request{Dataset: "file://" + dir, Output: "file://" + root + "/out",
		Methods: []evaluate.Method{{Generator: "oversample"}, {Name: "copies-2", Generator: "oversample", Params: json.RawMessage(`{"max_bytes":100000}`)}}}
	res, err := runEvaluation(t, p, "eval1", req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := p.Open(context.Background(), "file://"+root+"/out")
	st := storage.Sub(out, "eval1")
	var lb evaluate.Leaderboard
	if err := json.Unmarshal(readKey(t, st, evaluate.LeaderboardKey), &lb); err != nil {
		t.Fatal(err)
	}
	if lb.Split.Source != evaluate.HeldOutStratified || lb.Split.HeldOutCounts["d"] != 2 || lb.Split.TrainCounts["d"] != 8 || lb.Split.Seed != 1 {
		t.Errorf("split %+v, want stratified 20%% with seed 1 (d: 2 held out of 10)", lb.Split)
	}
	var names []string
	for i, r := range lb.Rows {
		names = append(names, r.Name)
		if r.Rank != i+1 || r.MinorityF1 == nil {
			t.Errorf("row %d %s: rank %d, minority F1 %v", i, r.Name, r.Rank, r.MinorityF1)
		}
		if i > 0 && r.MinorityF1.Mean > lb.Rows[i-1].MinorityF1.Mean {
			t.Errorf("rows not sorted by minority F1: %s %.3f after %.3f", r.Name, r.MinorityF1.Mean, lb.Rows[i-1].MinorityF1.Mean)
		}
		if r.Name != "real" && r.LiftOverReal == nil {
			t.Errorf("%s has no lift over real", r.Name)
		}
		if r.Name != "real" && r.Fidelity == nil {
			t.Errorf("%s has no fidelity", r.Name)
		}
	}
	slices.Sort(names)
	if got, want := strings.Join(names, ","), "copies-2,oversample,random_oversampling,real,smote"; got != want {
		t.Errorf("rows %s, want %s", got, want)
	}
	// Generation never read a held-out file.
	var split struct {
		HeldOutFiles []string `json:"held_out_files"`
	}
	if err := json.Unmarshal(readKey(t, st, evaluate.SplitKey), &split); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(readKey(t, st, "methods/oversample/"+generators.MetadataKey)))
	n := 0
	for sc.Scan() {
		var row struct {
			Sources []string `json:"sources"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		for _, s := range row.Sources {
			if slices.Contains(split.HeldOutFiles, s) {
				t.Errorf("method sample made from held-out file %s", s)
			}
		}
		n++
	}
	if n != 24 { // d: 8 training files up to the 32 of h and v
		t.Errorf("oversample made %d samples, want 24 (d from 8 to 32 training files)", n)
	}
	page := string(readKey(t, st, generators.ReportHTMLKey))
	for _, want := range []string{"<h2>Leaderboard", "random_oversampling", "data:image/png;base64,", "methods/oversample/report.html"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if _, err := st.Stat(context.Background(), generators.SuccessKey); err != nil {
		t.Errorf("_SUCCESS: %v", err)
	}
	if res.Output != "file://"+root+"/out/eval1" {
		t.Errorf("output %q", res.Output)
	}

	// A second run (a restart after success) does nothing.
	res, err = runEvaluation(t, p, "eval1", req)
	if err != nil || !res.Resumed {
		t.Errorf("second run: %+v, %v; want already complete", res, err)
	}
}

// The utility space, PCA by default, with generation repeated per seed.
func TestEvaluationPCARepeated(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "train", map[string]int{"h": 20, "v": 20, "d": 6}, 1)
	writeSplit(t, dir, "test", map[string]int{"h": 8, "v": 8, "d": 8}, 2)
	p := testPipeline(t, nil, nil, root)
	cfg := fastConfig()
	cfg.PCAComponents = 8
	req := evaluate.Request{Dataset: "file://" + dir, Output: "file://" + root + "/out", Features: "pca", Seeds: []int64{4, 5}, RepeatGeneration: true,
		Methods: []evaluate.Method{{Generator: "oversample"}}}
	if _, err := runEvaluation(t, p, "e2", req, cfg); err != nil {
		t.Fatal(err)
	}
	out, _ := p.Open(context.Background(), "file://"+root+"/out")
	st := storage.Sub(out, "e2")
	var lb evaluate.Leaderboard
	if err := json.Unmarshal(readKey(t, st, evaluate.LeaderboardKey), &lb); err != nil {
		t.Fatal(err)
	}
	if s := lb.UtilitySpace; s == nil || s.Name != evaluate.SpacePCA || s.Dim != 8 || lb.Split.Source != evaluate.HeldOutTest {
		t.Fatalf("utility space %+v, split %q; want 8 PCA components and the test split", s, lb.Split.Source)
	}
	if s := lb.Space; s == nil || s.Name != evaluate.SpaceMLP {
		t.Errorf("fidelity space %+v, want the MLP embedding", s)
	}
	for _, r := range lb.Rows {
		if r.Name == "oversample" && (r.MinorityF1 == nil || r.MinorityF1.N != 2) {
			t.Errorf("oversample generated per seed: minority F1 %+v, want 2 runs", r.MinorityF1)
		}
	}
	for _, seed := range []string{"4", "5"} {
		if _, err := st.Stat(context.Background(), "methods/oversample/seed-"+seed+"/"+generators.SuccessKey); err != nil {
			t.Errorf("seed %s output: %v", seed, err)
		}
	}
}

func TestEvaluationRequestErrors(t *testing.T) {
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	tests := []struct {
		name string
		req  evaluate.Request
		want string
	}{
		{"no methods", evaluate.Request{Dataset: "file:///d"}, "methods is empty"},
		{"unknown generator", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "nope"}}}, `unknown generator "nope"`},
		{"reserved name", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Name: "smote", Generator: "oversample"}}}, "built-in baseline"},
		{"twice", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}, {Generator: "oversample"}}}, "used twice"},
		{"bad name", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Name: "../x", Generator: "oversample"}}}, "lower-case"},
		{"bad params", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample", Params: json.RawMessage(`{"x":1}`)}}}, "unknown parameter"},
		{"fraction", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}}, TestFraction: 0.9}, "test_fraction 0.9"},
		{"features", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}}, Features: "pixels"}, `features "pixels"`},
		{"seeds", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}}, Seeds: []int64{1, 1}}, "distinct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Normalize(reg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Normalize = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestStratifiedSplit(t *testing.T) {
	var files []generators.File
	for _, c := range []struct {
		class string
		n     int
	}{{"a", 50}, {"b", 5}, {"c", 1}} {
		for i := range c.n {
			files = append(files, generators.File{Key: c.class + "/" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Class: c.class})
		}
	}
	s1, err := evaluate.StratifiedSplit(files, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	for class, want := range map[string]int{"a": 10, "b": 1, "c": 0} {
		if got := s1.HeldOutCounts[class]; got != want {
			t.Errorf("held out of %s = %d, want %d", class, got, want)
		}
	}
	if s1.TrainCounts["c"] != 1 {
		t.Errorf("class c keeps %d training files, want its only file", s1.TrainCounts["c"])
	}
	s2, _ := evaluate.StratifiedSplit(files, 0.2, 7)
	s3, _ := evaluate.StratifiedSplit(files, 0.2, 8)
	keys := func(s evaluate.Split) string {
		var k []string
		for _, f := range s.HeldOut {
			k = append(k, f.Key)
		}
		return strings.Join(k, ",")
	}
	if keys(s1) != keys(s2) {
		t.Error("the same seed gave another split")
	}
	if keys(s1) == keys(s3) {
		t.Error("another seed gave the same split")
	}
	if _, err := evaluate.StratifiedSplit(files, 1, 7); err == nil {
		t.Error("fraction 1 accepted")
	}
}
