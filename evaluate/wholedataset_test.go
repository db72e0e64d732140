package evaluate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// The protocol is a per-method option: "mixed" by default, "whole_dataset"
// for the composite generator only; anything else is a ParamError (400)
// naming what is accepted.
func TestMethodProtocol(t *testing.T) {
	reg := generators.NewRegistry()
	for _, g := range []generators.Generator{generators.Oversample{}, compositegen.Generator{}} {
		if err := reg.Register(g); err != nil {
			t.Fatal(err)
		}
	}
	req := evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{{Generator: "oversample"}, {Name: "whole", Generator: "composite", Protocol: "whole_dataset"}}}
	if err := req.Normalize(reg); err != nil {
		t.Fatal(err)
	}
	if p := req.Methods[0].Protocol; p != evaluate.ProtocolMixed {
		t.Errorf("default protocol %q, want %q", p, evaluate.ProtocolMixed)
	}
	tests := []struct {
		name   string
		method evaluate.Method
		want   []string
	}{
		{"unknown protocol", evaluate.Method{Generator: "composite", Protocol: "whole"},
			[]string{`methods[0] (composite): protocol "whole": accepted: "mixed"`, `"whole_dataset" (generator "composite" only`}},
		{"case matters", evaluate.Method{Generator: "composite", Protocol: "WHOLE_DATASET"}, []string{`protocol "WHOLE_DATASET": accepted`}},
		{"another generator", evaluate.Method{Generator: "oversample", Protocol: "whole_dataset"},
			[]string{`protocol "whole_dataset" is accepted only for generator "composite"`, `generator "oversample" takes protocol "mixed"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := evaluate.Request{Dataset: "file:///d", Methods: []evaluate.Method{tt.method}}
			err := req.Normalize(reg)
			var pe *generators.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Normalize = %v, want a *generators.ParamError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Normalize = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

// metaRow is a metadata.jsonl row's label and sources.
type metaRow struct {
	FileName string   `json:"file_name"`
	Label    string   `json:"label"`
	Sources  []string `json:"sources"`
}

func metadataRows(t *testing.T, st storage.Store) []metaRow {
	t.Helper()
	var rows []metaRow
	sc := bufio.NewScanner(bytes.NewReader(readKey(t, st, generators.MetadataKey)))
	for sc.Scan() {
		var r metaRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

// A whole_dataset composite method: the judges train on a balanced set of
// composites of the training split only and are tested on composites of
// the held-out split, each from held-out images of its class. Its row is
// marked with its protocol and the caveat, unranked, without lifts or
// harm alerts, beside the mixed composite method's ordinary row.
func TestEvaluationWholeDataset(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "train", map[string]int{"h": 20, "v": 20, "d": 6}, 1)
	writeSplit(t, dir, "test", map[string]int{"h": 8, "v": 8, "d": 5}, 2)
	p := testPipeline(t, nil, []generators.Generator{compositegen.Generator{}}, root)
	params := json.RawMessage(`{"layout":"2x1","size":8}`)
	output := "file://" + root + "/out"
	req := evaluate.Request{Dataset: "file://" + dir, Output: output, Judges: []string{quality.JudgeLogReg},
		Methods: []evaluate.Method{{Generator: "composite", Params: params}, {Name: "composite-whole", Generator: "composite", Params: params, Protocol: "whole_dataset"}}}
	res, err := runEvaluation(t, p, "w1", req)
	if err != nil {
		t.Fatal(err)
	}
	lb, raw, page := readLeaderboard(t, p, output, "w1")
	var whole, mixed *evaluate.Row
	for i := range lb.Rows {
		switch r := &lb.Rows[i]; r.Name {
		case "composite-whole":
			whole = r
		case "composite":
			mixed = r
		}
	}
	if whole == nil || mixed == nil {
		t.Fatalf("rows %+v, want composite and composite-whole", lb.Rows)
	}
	if whole.Error != "" {
		t.Fatalf("composite-whole failed: %s", whole.Error)
	}
	if whole.Protocol != evaluate.ProtocolWholeDataset || mixed.Protocol != evaluate.ProtocolMixed || whole.Rank != 0 || lb.Rows[len(lb.Rows)-1].Name != whole.Name {
		t.Errorf("whole row: protocol %q, rank %d; mixed row protocol %q; want whole_dataset, rank 0 and listed last", whole.Protocol, whole.Rank, mixed.Protocol)
	}
	f := whole.ByJudge[quality.JudgeLogReg]
	if f == nil || f.MinorityF1 == nil || f.MinorityRecall == nil || f.BalancedAccuracy == nil || whole.MinorityF1 == nil || *whole.MinorityF1 != *f.MinorityF1 {
		t.Fatalf("whole row figures %+v (by judge %+v), want the logreg judge's", whole, f)
	}
	// The patterns stay separable when two of a class are stacked: the
	// composite classifier tells the composites of d apart.
	if f.MinorityF1.Mean < 0.8 || f.MinorityF1.Mean > 1 || f.BalancedAccuracy.Mean < 0.8 {
		t.Errorf("whole row: minority F1 %v, balanced accuracy %v; want both at least 0.8 on separable patterns", f.MinorityF1, f.BalancedAccuracy)
	}
	if whole.LiftOverReal != nil || whole.LiftOverSMOTE != nil || f.LiftOverReal != nil || len(f.Alerts) != 0 {
		t.Errorf("whole row has lifts or harm alerts: %+v", f)
	}
	caveat := func(a evaluate.Alert) bool {
		return a.Kind == generators.AlertCaveat && a.Method == "composite-whole" && a.Message == evaluate.WholeDatasetCaveat
	}
	if !slices.ContainsFunc(whole.Alerts, caveat) || !slices.ContainsFunc(lb.Alerts, caveat) {
		t.Errorf("caveat missing: row alerts %+v", whole.Alerts)
	}
	for _, a := range lb.Alerts {
		if a.Method == "composite-whole" && a.Kind == generators.AlertHarm {
			t.Errorf("whole row compared with the single-image baselines: %+v", a)
		}
	}
	if !strings.Contains(evaluate.WholeDatasetCaveat, "composing a held-out tuple needs its label, which a deployed classifier does not have") ||
		!strings.Contains(evaluate.WholeDatasetCaveat, "not comparable with the single-image rows") {
		t.Errorf("caveat %q does not say that composing needs the label and that the figures are not comparable", evaluate.WholeDatasetCaveat)
	}
	if !slices.ContainsFunc(res.Alerts, caveat) {
		t.Errorf("the job result's alerts lack the caveat: %+v", res.Alerts)
	}

	// leaderboard.json: the row's protocol and the whole_dataset result.
	rows, _ := raw["rows"].([]any)
	found := false
	for _, r := range rows {
		if m, _ := r.(map[string]any); m["name"] == "composite-whole" {
			found = m["protocol"] == "whole_dataset"
		}
	}
	if !found {
		t.Error(`leaderboard.json: the composite-whole row lacks "protocol": "whole_dataset"`)
	}
	if len(lb.WholeDataset) != 1 {
		t.Fatalf("whole_dataset results %+v, want one", lb.WholeDataset)
	}
	w := lb.WholeDataset[0]
	if w.Method != "composite-whole" || w.Caveat != evaluate.WholeDatasetCaveat {
		t.Errorf("whole_dataset result %q, caveat %q", w.Method, w.Caveat)
	}
	for _, c := range []string{"h", "v", "d"} {
		if w.TrainComposites[c] != 20 {
			t.Errorf("class %s: %d training composites, want 20 (the largest class's count) for every class", c, w.TrainComposites[c])
		}
	}
	u := w.UtilityByJudge[quality.JudgeLogReg]
	if u == nil || u.NTrain != 60 || u.NTest != 21 || len(u.Variants) != 1 || u.Variants[0].Name != "composite-whole" {
		t.Fatalf("whole_dataset logreg result %+v, want 60 training and 21 held-out composites, one variant", u)
	}
	if w.HeldOut == nil || len(w.HeldOut.Classes) != 3 || w.HeldOut.Seed != compositegen.HeldOutSeed(1) {
		t.Fatalf("held-out report %+v", w.HeldOut)
	}
	if !slices.ContainsFunc(lb.Notes, func(n string) bool { return strings.Contains(n, "whole_dataset are listed last with rank 0") }) {
		t.Error("the notes do not explain the whole_dataset rows")
	}

	// No held-out image is a source of a training composite; every held-out
	// composite is made of held-out images of its own class.
	out, _ := p.Open(context.Background(), output)
	st := storage.Sub(out, "w1")
	var split struct {
		HeldOutFiles []string `json:"held_out_files"`
	}
	if err := json.Unmarshal(readKey(t, st, evaluate.SplitKey), &split); err != nil {
		t.Fatal(err)
	}
	train := metadataRows(t, storage.Sub(st, "methods/composite-whole"))
	if len(train) != 60 {
		t.Errorf("%d training composites, want 60", len(train))
	}
	for _, r := range train {
		for _, s := range r.Sources {
			if slices.Contains(split.HeldOutFiles, s) || !strings.HasPrefix(s, "train/"+r.Label+"/") {
				t.Errorf("training composite %s of class %s has source %s", r.FileName, r.Label, s)
			}
		}
	}
	held := metadataRows(t, storage.Sub(st, "held_out/composite-whole"))
	if len(held) != 21 {
		t.Errorf("%d held-out composites, want 21 (one per held-out image)", len(held))
	}
	for _, r := range held {
		for _, s := range r.Sources {
			if !slices.Contains(split.HeldOutFiles, s) || !strings.HasPrefix(s, "test/"+r.Label+"/") {
				t.Errorf("held-out composite %s of class %s has source %s", r.FileName, r.Label, s)
			}
		}
		if _, err := st.Stat(context.Background(), "held_out/composite-whole/"+r.FileName); err != nil {
			t.Errorf("held-out composite %s: %v", r.FileName, err)
		}
	}

	// The table and report.html mark the row and state the caveat.
	for _, row := range lb.Table()[1:] {
		if strings.HasPrefix(row[1], "composite-whole") && (row[0] != "—" || !strings.Contains(row[1], "(whole_dataset") || !strings.Contains(row[len(row)-1], "caveat")) {
			t.Errorf("table row %q, want no rank, the protocol and the caveat", row)
		}
	}
	for _, want := range []string{"Whole-dataset protocol: composite-whole", "CAVEAT: whole_dataset protocol", "composing a held-out tuple needs its label",
		"F1 per class, logreg judge (composite test set)", "Composites per class, composite-whole"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
