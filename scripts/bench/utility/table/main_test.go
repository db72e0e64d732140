package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/table.golden.md")

// testdata/shirt-10 is a real leaderboard.json with the CNN and logistic
// judges (utility_by_judge; tailsynth at 50f4762, trimmed to the fields
// read); testdata/sandal-30 is made by hand in the schema from before the
// judges (one "utility" block), with round figures, a failed row, alerts and
// a method the other variant lacks.
var inputs = []string{"testdata/shirt-10/leaderboard.json", "testdata/sandal-30/leaderboard.json"}

func TestTableGolden(t *testing.T) {
	var out bytes.Buffer
	file := filepath.Join(t.TempDir(), "table.md")
	if err := run(&out, file, 0.05, inputs); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, out.Bytes()) {
		t.Errorf("-o file differs from the printed tables")
	}
	golden := "testdata/table.golden.md"
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("tables differ from %s (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestReadVariant(t *testing.T) {
	b, err := os.ReadFile(inputs[1])
	if err != nil {
		t.Fatal(err)
	}
	v, err := readVariant(inputs[1], b)
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "sandal-30" {
		t.Errorf("name %q, want sandal-30", v.Name)
	}
	var names []string
	for _, m := range v.Methods {
		names = append(names, m.Name)
	}
	if got, want := strings.Join(names, ","), "real,random_oversampling,smote,oversample,composite,augment,composite-whole"; got != want {
		t.Errorf("methods %s, want %s", got, want)
	}
	if got := v.Errors["composite"]; !strings.HasPrefix(got, "composite: generation failed") {
		t.Errorf("composite error %q, want the row's error", got)
	}
	lr := v.Judges[judgeLogReg]
	if want := "multinomial logistic regression on standardised features, L2 λ=0.0001"; lr.Classifier != want {
		t.Errorf("classifier %q, want %q", lr.Classifier, want)
	}
	for _, c := range []struct {
		method string
		want   figures
	}{
		// real has no paired lift over smote: the difference of means.
		{"real", figures{F1: 0.5, Recall: 0.4, BalAcc: 0.8, LiftSMOTE: -0.2}},
		{"smote", figures{F1: 0.7, F1Std: 0.02, Recall: 0.6, BalAcc: 0.84}},
		// the paired lift (0.11), not the difference of means (0.1).
		{"augment", figures{F1: 0.8, F1Std: 0.03, Recall: 0.75, BalAcc: 0.86, LiftSMOTE: 0.11}},
	} {
		got, ok := lr.Methods[c.method]
		if !ok {
			t.Errorf("%s: no figures", c.method)
			continue
		}
		if !near(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.method, got, c.want)
		}
	}
	// A harm alert for a judge the leaderboard has no figures of, or an
	// alert of another kind, flags nothing.
	for m, want := range map[string]bool{"oversample": true, "augment": false, "smote": false} {
		if got := lr.Methods[m].Harm; got != want {
			t.Errorf("%s: harm %v, want %v", m, got, want)
		}
	}
	if _, ok := lr.Methods["composite"]; ok {
		t.Errorf("composite failed but has figures")
	}
	// A whole_dataset row: its by_judge figures, no lift over SMOTE.
	if m := v.Methods[len(v.Methods)-1]; m.Name != "composite-whole" || !m.WholeDataset {
		t.Errorf("method %+v, want composite-whole of protocol whole_dataset", m)
	}
	if got := lr.Methods["composite-whole"]; !got.Composite || got.F1 != 0.9 || got.Recall != 0.85 || got.BalAcc != 0.95 || !math.IsNaN(got.LiftSMOTE) {
		t.Errorf("composite-whole: got %+v, want F1 0.9, recall 0.85, balanced accuracy 0.95, no lift, marked composite", got)
	}
}

// TestJudgesSchemas reads the judges of a leaderboard from before the
// judges (one "utility" block) and from after (utility_by_judge).
func TestJudgesSchemas(t *testing.T) {
	block := func(judge string, f1 float64) string {
		return fmt.Sprintf(`{"config": {"minority": [1], "judge": %q}, "classifier": "c", "variants": [
			{"name": "smote", "minority_f1": {"mean": 0.5}, "per_class": [{"class": 1, "recall": {"mean": 0.4}}]},
			{"name": "augment", "minority_f1": {"mean": %g}, "per_class": [{"class": 0, "recall": {"mean": 1}}, {"class": 1, "recall": {"mean": 0.7}}]}]}`, judge, f1)
	}
	harm := `"alerts": [{"kind": "harm", "judge": "logreg", "method": "augment"}]`
	for _, c := range []struct {
		name, json string
		headline   string
		want       map[string]figures // augment's figures per judge
	}{
		{"one judge, unnamed", `{"utility": ` + block("", 0.6) + `}`, "",
			map[string]figures{"logreg": {F1: 0.6, Recall: 0.7, LiftSMOTE: 0.1}}},
		{"one judge, named", `{"utility": ` + block("cnn", 0.6) + `}`, "",
			map[string]figures{"cnn": {F1: 0.6, Recall: 0.7, LiftSMOTE: 0.1}}},
		{"utility_by_judge", `{"headline_judge": "cnn", "utility": ` + block("cnn", 0.9) + `, "utility_by_judge": {"cnn": ` + block("cnn", 0.9) +
			`, "logreg": ` + block("logreg", 0.6) + `}, ` + harm + `}`, "cnn",
			map[string]figures{"cnn": {F1: 0.9, Recall: 0.7, LiftSMOTE: 0.4}, "logreg": {F1: 0.6, Recall: 0.7, LiftSMOTE: 0.1, Harm: true}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			js, err := judges([]byte(c.json))
			if err != nil {
				t.Fatal(err)
			}
			if len(js) != len(c.want) {
				t.Errorf("got %d judges, want %d", len(js), len(c.want))
			}
			for name, want := range c.want {
				j, ok := js[name]
				if !ok {
					t.Errorf("no judge %s", name)
					continue
				}
				if got := j.Methods["augment"]; !near(got, want) || got.Harm != want.Harm {
					t.Errorf("judge %s: got %+v, want %+v", name, got, want)
				}
				if j.Headline != (name == c.headline) {
					t.Errorf("judge %s: headline %v, want %v", name, j.Headline, name == c.headline)
				}
			}
		})
	}
	if _, err := judges([]byte(`{"rows": []}`)); err == nil || !strings.Contains(err.Error(), "utility") {
		t.Errorf("a leaderboard without utility figures: got error %v, want one naming the missing block", err)
	}
}

func near(a, b figures) bool {
	const tol = 1e-9
	return math.Abs(a.F1-b.F1) < tol && math.Abs(a.F1Std-b.F1Std) < tol && math.Abs(a.Recall-b.Recall) < tol &&
		math.Abs(a.BalAcc-b.BalAcc) < tol && math.Abs(a.LiftSMOTE-b.LiftSMOTE) < tol
}
