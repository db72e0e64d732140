package evaluate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

func runEvaluation(t *testing.T, p *pipeline.Pipeline, id string, req evaluate.Request, cfg ...evaluate.Config) (*pipeline.Result, error) {
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
		{"unknown judge", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}}, Judges: []string{"cnn", "svm"}},
			`unknown judge "svm"; accepted: "cnn"`},
		{"judge twice", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}}, Judges: []string{"logreg", "logreg"}},
			`judge "logreg" named twice; accepted: "cnn"`},
		{"no judge", evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}}, Judges: []string{}}, `judges is empty; accepted: "cnn"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Normalize(reg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Normalize = %v, want an error containing %q", err, tt.want)
			}
			// The API answers a ParamError with 400.
			var pe *generators.ParamError
			if !errors.As(err, &pe) && strings.Contains(tt.name, "judge") {
				t.Errorf("Normalize = %T, want a *generators.ParamError", err)
			}
		})
	}
}

func TestStratifiedSplit(t *testing.T) {
	var files []datasets.File
	for _, c := range []struct {
		class string
		n     int
	}{{"a", 50}, {"b", 5}, {"c", 1}} {
		for i := range c.n {
			files = append(files, datasets.File{Key: c.class + "/" + string(rune('A'+i%26)) + string(rune('a'+i/26)), Class: c.class})
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

// readLeaderboard reads an evaluation's leaderboard.json, typed and raw.
func readLeaderboard(t *testing.T, p *pipeline.Pipeline, output, id string) (*evaluate.Leaderboard, map[string]any, string) {
	t.Helper()
	out, err := p.Open(context.Background(), output)
	if err != nil {
		t.Fatal(err)
	}
	st := storage.Sub(out, id)
	raw := readKey(t, st, evaluate.LeaderboardKey)
	var lb evaluate.Leaderboard
	var m map[string]any
	if err := json.Unmarshal(raw, &lb); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return &lb, m, string(readKey(t, st, generators.ReportHTMLKey))
}

// By default an image evaluation has two judges, the CNN the headline:
// leaderboard.json holds both (judges, headline_judge, utility_by_judge,
// each row's by_judge), the rows' old fields hold the CNN's figures, a
// method known to hurt is flagged under each judge, and the tables show
// both. judges ["logreg"] gives the logistic judge alone, with the same
// figures as it has beside the CNN.
func TestEvaluationJudges(t *testing.T) {
	root := t.TempDir()
	ds := harmDataset(t, root)
	p := testPipeline(t, nil, []generators.Generator{wrongClass{}}, root)
	output := "file://" + root + "/out"
	req := evaluate.Request{Dataset: "file://" + ds, Output: output,
		Strategy: &generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 120}}, // enough wrong samples to stand out of the tiny CNN's spread too,
		Methods:  []evaluate.Method{{Generator: "oversample"}, {Generator: "wrongclass"}}}
	if _, err := runEvaluation(t, p, "both", req); err != nil {
		t.Fatal(err)
	}
	lb, raw, page := readLeaderboard(t, p, output, "both")
	for _, key := range []string{"judges", "headline_judge", "utility_by_judge", "utility", "rows", "alerts"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("leaderboard.json lacks %q", key)
		}
	}
	both := []string{quality.JudgeCNN, quality.JudgeLogReg}
	if !slices.Equal(lb.Judges, both) || lb.HeadlineJudge != quality.JudgeCNN || !slices.Equal(lb.Request.Judges, both) {
		t.Fatalf("judges %v (request %v), headline %q; want %v, cnn first", lb.Judges, lb.Request.Judges, lb.HeadlineJudge, both)
	}
	cnn, logreg := lb.UtilityByJudge[quality.JudgeCNN], lb.UtilityByJudge[quality.JudgeLogReg]
	if cnn == nil || logreg == nil || lb.Utility == nil {
		t.Fatalf("utility_by_judge %v, errors %v: want both judges", lb.UtilityByJudge, lb.Errors)
	}
	if cnn.Config.Judge != quality.JudgeCNN || logreg.Config.Judge != quality.JudgeLogReg || lb.Utility.Config.Judge != quality.JudgeCNN {
		t.Errorf("judges of the results: cnn %q, logreg %q, utility %q", cnn.Config.Judge, logreg.Config.Judge, lb.Utility.Config.Judge)
	}
	// The CNN reads the pixels (8x8 gray), not the PCA projection.
	if c := cnn.Config.CNN; c.Height != imgSize || c.Width != imgSize || c.Channels != 1 || cnn.NTrain != logreg.NTrain || cnn.NTest != logreg.NTest {
		t.Errorf("cnn layout %dx%dx%d on %d/%d rows, want %dx%dx1 on logreg's %d/%d", c.Height, c.Width, c.Channels, cnn.NTrain, cnn.NTest, imgSize, imgSize, logreg.NTrain, logreg.NTest)
	}
	rows := map[string]evaluate.Row{}
	for i, r := range lb.Rows {
		rows[r.Name] = r
		if r.HeadlineJudge != quality.JudgeCNN || len(r.ByJudge) != 2 {
			t.Fatalf("row %s: headline %q, by_judge %v; want cnn and both judges", r.Name, r.HeadlineJudge, r.ByJudge)
		}
		for _, j := range both {
			f := r.ByJudge[j]
			if f.MinorityF1 == nil || f.MacroF1 == nil || f.BalancedAccuracy == nil || f.MinorityRecall == nil {
				t.Errorf("row %s, judge %s: figures missing: %+v", r.Name, j, f)
			}
			if (r.Name != quality.VariantReal) != (f.LiftOverReal != nil) {
				t.Errorf("row %s, judge %s: lift over real %v", r.Name, j, f.LiftOverReal)
			}
		}
		h := r.ByJudge[quality.JudgeCNN]
		if *r.MinorityF1 != *h.MinorityF1 || *r.MacroF1 != *h.MacroF1 || *r.BalancedAccuracy != *h.BalancedAccuracy || r.MinorityRecall == nil || *r.MinorityRecall != *h.MinorityRecall {
			t.Errorf("row %s: top-level figures %v %v %v %v, want the cnn's %+v", r.Name, r.MinorityF1, r.MacroF1, r.BalancedAccuracy, r.MinorityRecall, h)
		}
		if (r.LiftOverSMOTE == nil) != (h.LiftOverSMOTE == nil) || (r.LiftOverSMOTE != nil && r.LiftOverSMOTE.MinorityF1 != h.LiftOverSMOTE.MinorityF1) {
			t.Errorf("row %s: lift over smote %v, want the cnn's %v", r.Name, r.LiftOverSMOTE, h.LiftOverSMOTE)
		}
		if v, _ := findVariant(cnn, r.Name); *r.MinorityF1 != v.MinorityF1 {
			t.Errorf("row %s: minority F1 %v, cnn result's %v", r.Name, *r.MinorityF1, v.MinorityF1)
		}
		if i > 0 && r.MinorityF1.Mean > lb.Rows[i-1].MinorityF1.Mean {
			t.Errorf("rows not sorted by the cnn's minority F1: %s %.3f after %.3f", r.Name, r.MinorityF1.Mean, lb.Rows[i-1].MinorityF1.Mean)
		}
	}
	// Minority recall: the mean over seeds of the recall of "d", the only
	// generated class.
	if v, _ := findVariant(logreg, "real"); math.Abs(rows["real"].ByJudge[quality.JudgeLogReg].MinorityRecall.Mean-v.PerClass[0].Recall.Mean) > 1e-12 || v.PerClass[0].Name != "d" {
		t.Errorf("real's logreg minority recall %v, want d's recall %v", rows["real"].ByJudge[quality.JudgeLogReg].MinorityRecall, v.PerClass[0].Recall)
	}
	wrong := rows["wrongclass"]
	for _, j := range both {
		isJudge := func(a evaluate.Alert) bool {
			return a.Kind == generators.AlertHarm && a.Judge == j && a.Method == "wrongclass"
		}
		if !slices.ContainsFunc(wrong.ByJudge[j].Alerts, isJudge) || !slices.ContainsFunc(wrong.Alerts, isJudge) || !slices.ContainsFunc(lb.Alerts, isJudge) {
			t.Errorf("wrongclass not flagged under the %s judge: by_judge %+v, row %+v", j, wrong.ByJudge[j].Alerts, wrong.Alerts)
		}
	}
	table := lb.Table()
	if h := strings.Join(table[0], "|"); !strings.Contains(h, "F1 cnn (headline)|vs SMOTE cnn|F1 logreg|vs SMOTE logreg|macro F1 (cnn)") {
		t.Errorf("table header %q, want each judge's F1 and lift over SMOTE, the cnn first", h)
	}
	for _, want := range []string{"<h2>Utility, cnn judge (headline)</h2>", "<h2>Utility, logreg judge</h2>", "F1 per class, logreg judge", "⚠ HARM (cnn)", "⚠ HARM (logreg)", "headline: cnn"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if i, j := strings.Index(page, "Utility, cnn judge"), strings.Index(page, "Utility, logreg judge"); i > j {
		t.Error("report.html shows the logreg judge before the headline")
	}

	// The logistic judge alone: the old leaderboard, with the same
	// figures as the logistic judge has beside the CNN.
	req.Judges = []string{quality.JudgeLogReg}
	if _, err := runEvaluation(t, p, "logreg", req); err != nil {
		t.Fatal(err)
	}
	old, _, page := readLeaderboard(t, p, output, "logreg")
	if !slices.Equal(old.Judges, []string{quality.JudgeLogReg}) || old.HeadlineJudge != quality.JudgeLogReg || len(old.UtilityByJudge) != 1 ||
		old.Utility == nil || old.Utility.Config.Judge != quality.JudgeLogReg {
		t.Fatalf("logreg alone: judges %v, headline %q, results %d", old.Judges, old.HeadlineJudge, len(old.UtilityByJudge))
	}
	for _, r := range old.Rows {
		want := rows[r.Name].ByJudge[quality.JudgeLogReg]
		if len(r.ByJudge) != 1 || *r.MinorityF1 != *want.MinorityF1 || *r.BalancedAccuracy != *want.BalancedAccuracy {
			t.Errorf("row %s alone: minority F1 %v, balanced accuracy %v; beside the cnn %v, %v", r.Name, r.MinorityF1, r.BalancedAccuracy, want.MinorityF1, want.BalancedAccuracy)
		}
	}
	if strings.Contains(page, "cnn judge") || !strings.Contains(page, "<h2>Utility, logreg judge (headline)</h2>") {
		t.Error("report.html of the logreg-only evaluation shows a cnn table or no headline logreg table")
	}
}

func findVariant(u *quality.UtilityResult, name string) (quality.VariantResult, bool) {
	for _, v := range u.Variants {
		if v.Name == name {
			return v, true
		}
	}
	return quality.VariantResult{}, false
}
