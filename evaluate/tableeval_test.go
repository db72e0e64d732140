package evaluate_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/tabgen"
	"github.com/tailsynth/tailsynth/quality"
)

// TestTableEvaluation runs an evaluation on a table end to end in
// process: every method grows the rare class from the training rows only,
// the leaderboard has the baselines and the methods with the logistic
// judge's figures, and the method that labels other classes' rows as the
// rare class is flagged while SMOTE-NC and copies are not.
func TestTableEvaluation(t *testing.T) {
	root := t.TempDir()
	writeSeparableTable(t, filepath.Join(root, "t.csv"), 20)
	p := tableQualityPipeline(t, root)
	p.Registry.Register(tabgen.Generator{})
	req := evaluate.Request{Dataset: "file://" + root + "/t.csv", Output: "file://" + root + "/out",
		TableOptions: generators.TableOptions{LabelColumn: "label"},
		Methods: []evaluate.Method{{Generator: "oversample"}, {Generator: "smote"}, {Generator: "mislabel"},
			{Name: "gan", Generator: "tabular-gan", Params: json.RawMessage(`{"steps": 3, "batch": 20, "pac": 2, "checkpoint_every": 1}`)}}}
	if err := req.Normalize(p.Registry); err != nil {
		t.Fatal(err)
	}
	if req.TestFraction != evaluate.TableTestFraction || !slices.Equal(req.Judges, []string{"logreg"}) || req.Features != "" {
		t.Errorf("defaults: test_fraction %v, judges %v, features %q; want %v, [logreg], none", req.TestFraction, req.Judges, req.Features, evaluate.TableTestFraction)
	}
	plan, _, err := evaluate.Check(context.Background(), p, &req)
	if err != nil {
		t.Fatal(err)
	}
	// 81 ok rows (one with a missing x) and 20 fraud: 24 and 6 held out.
	if plan.Split.HeldOutCounts["ok"] != 24 || plan.Split.HeldOutCounts["fraud"] != 6 || plan.Add["fraud"] != 43 || plan.Total != 43 {
		t.Fatalf("plan %+v, want 24 ok and 6 fraud rows held out and 43 fraud rows to add", plan)
	}
	body, _ := json.Marshal(req)
	r := &evaluate.Runner{Pipeline: p}
	res, err := r.RunEvaluation(context.Background(), "eval_t", body, func(generators.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "out", "eval_t")
	var lb evaluate.Leaderboard
	readJSON(t, filepath.Join(dir, evaluate.LeaderboardKey), &lb)
	if lb.Tabular == nil || lb.Tabular.SMOTE != quality.TableSMOTENC || lb.Tabular.Format != "csv" || lb.Tabular.Rows != 101 {
		t.Errorf("table %+v, want a csv of 101 rows and SMOTE-NC as the smote row", lb.Tabular)
	}
	if lb.Tabular != nil && lb.Tabular.ImputedCells == 0 {
		t.Error("no missing number was filled for the judge; the table has one")
	}
	rows := map[string]evaluate.Row{}
	for _, row := range lb.Rows {
		rows[row.Name] = row
		if row.Error != "" {
			t.Errorf("row %s: %s", row.Name, row.Error)
			continue
		}
		f := row.ByJudge["logreg"]
		if f == nil || f.MinorityF1 == nil || row.MinorityF1 == nil || *row.MinorityF1 != *f.MinorityF1 {
			t.Errorf("row %s: figures %+v, want the logreg judge's minority F1 at the top and in by_judge", row.Name, f)
			continue
		}
		for name, v := range map[string]float64{"minority F1": f.MinorityF1.Mean, "macro F1": f.MacroF1.Mean, "balanced accuracy": f.BalancedAccuracy.Mean, "minority recall": f.MinorityRecall.Mean} {
			if !(v >= 0 && v <= 1) {
				t.Errorf("row %s: %s %v, want a value in [0, 1]", row.Name, name, v)
			}
		}
		if row.Name != quality.VariantReal && f.LiftOverReal == nil {
			t.Errorf("row %s has no lift over real", row.Name)
		}
	}
	for _, name := range []string{"real", "random_oversampling", "smote", "oversample", "smote-generator", "mislabel", "gan"} {
		if _, ok := rows[name]; !ok {
			t.Errorf("leaderboard lacks row %q", name)
		}
	}
	harm := func(name string) (red bool, any bool) {
		for _, a := range rows[name].Alerts {
			if a.Kind == generators.AlertHarm {
				any = true
				red = red || (a.Severity == generators.SeverityRed && a.Over == quality.VariantReal)
			}
		}
		return red, any
	}
	if red, _ := harm("mislabel"); !red {
		t.Errorf("mislabel (other classes' rows labelled fraud) is not flagged red vs real: alerts %v, F1 %v", rows["mislabel"].Alerts, rows["mislabel"].MinorityF1)
	}
	for _, name := range []string{"oversample", "smote-generator"} {
		if _, flagged := harm(name); flagged {
			t.Errorf("%s on a separable table was flagged: %v", name, rows[name].Alerts)
		}
	}
	if len(res.Alerts) == 0 || len(lb.Alerts) == 0 {
		t.Error("the result and the leaderboard gather no alerts")
	}

	// The held-out rows never reached a generator: copies come from
	// training rows only.
	var split struct {
		HeldOutRows []int64 `json:"held_out_rows"`
	}
	readJSON(t, filepath.Join(dir, evaluate.SplitKey), &split)
	if len(split.HeldOutRows) != 30 {
		t.Fatalf("split.json holds %d held-out rows, want 30", len(split.HeldOutRows))
	}
	f, err := os.Open(filepath.Join(dir, "methods", "oversample", generators.MetadataKey))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var m struct {
			Label      string `json:"label"`
			Provenance struct {
				SourceRow int64 `json:"source_row"`
			} `json:"provenance"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(split.HeldOutRows, m.Provenance.SourceRow) {
			t.Errorf("oversample copied held-out row %d", m.Provenance.SourceRow)
		}
		n++
	}
	if n != 43 {
		t.Errorf("oversample's metadata.jsonl has %d rows, want 43", n)
	}
	for _, m := range []string{"oversample", "smote-generator", "gan"} {
		recs := readCSV(t, filepath.Join(dir, "methods", m, "data.csv"))
		if got := strings.Join(recs[0], ","); got != "x,y,colour,label" {
			t.Errorf("%s data.csv header %q, want the input's columns", m, got)
		}
		for _, rec := range recs[1:] {
			if rec[3] != "fraud" {
				t.Errorf("%s made a row labelled %q, want fraud only", m, rec[3])
				break
			}
		}
		if len(recs)-1 != 43 {
			t.Errorf("%s data.csv has %d rows, want exactly 43", m, len(recs)-1)
		}
	}
	var gan struct {
		Rows   int            `json:"rows"`
		Report map[string]any `json:"generator_report"`
	}
	readJSON(t, filepath.Join(dir, "methods", "gan", "report.json"), &gan)
	if gan.Rows != 43 || gan.Report["steps"] != 3.0 {
		t.Errorf("gan report.json %+v, want 43 rows and the generator's report (3 steps)", gan)
	}
	if _, err := os.Stat(filepath.Join(dir, "methods", "gan", generators.WorkDir)); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(filepath.Join(dir, "methods", "gan", generators.WorkDir))
		if len(entries) > 0 {
			t.Errorf("the GAN's scratch space is left behind: %v", entries)
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<h2>Leaderboard", "smote-nc", "⚠ HARM (logreg) vs real", "<h2>Columns", "methods/oversample/data.csv", "F1 per class"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// Requests that do not fit their dataset are refused before anything
// runs, saying what is accepted.
func TestTableEvaluationRefused(t *testing.T) {
	root := t.TempDir()
	writeSeparableTable(t, filepath.Join(root, "t.csv"), 2)
	p := tableQualityPipeline(t, root)
	p.Registry.Register(tabgen.Generator{})
	table := "file://" + root + "/t.csv"
	label := generators.TableOptions{LabelColumn: "label"}
	for _, tc := range []struct {
		name  string
		req   evaluate.Request
		param bool // a *generators.ParamError from Normalize, else an error from Check
		want  string
	}{
		{"missing label column", evaluate.Request{Dataset: table, TableOptions: generators.TableOptions{LabelColumn: "class"}, Methods: []evaluate.Method{{Generator: "smote"}}},
			false, `label column "class" names no column`},
		{"too few rows", evaluate.Request{Dataset: table, TableOptions: label, Methods: []evaluate.Method{{Generator: "smote"}}},
			false, `class "fraud" has 2 labelled rows`},
		{"a table file without label_column", evaluate.Request{Dataset: table, Methods: []evaluate.Method{{Generator: "smote"}}},
			true, "name its class column with label_column"},
		{"table-only generator on images", evaluate.Request{Dataset: "file://" + root + "/images", Methods: []evaluate.Method{{Generator: "tabular-gan"}}},
			true, `"tabular-gan" works on tables only`},
		{"cnn judge on a table", evaluate.Request{Dataset: table, TableOptions: label, Judges: []string{"cnn"}, Methods: []evaluate.Method{{Generator: "smote"}}},
			true, `accepted for tables: ["logreg"]`},
		{"features on a table", evaluate.Request{Dataset: table, TableOptions: label, Features: "mlp", Methods: []evaluate.Method{{Generator: "smote"}}},
			true, "leave features out for a table"},
		{"excluded label", evaluate.Request{Dataset: table, TableOptions: generators.TableOptions{LabelColumn: "label", ExcludeColumns: []string{"label"}}, Methods: []evaluate.Method{{Generator: "smote"}}},
			true, "cannot be excluded"},
		{"table options on images", evaluate.Request{Dataset: "file://" + root + "/images", TableOptions: generators.TableOptions{ExcludeColumns: []string{"id"}}, Methods: []evaluate.Method{{Generator: "oversample"}}},
			true, "apply to tables"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Normalize(p.Registry)
			var pe *generators.ParamError
			if tc.param {
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Normalize: %v, want a ParamError containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = evaluate.Check(context.Background(), p, &tc.req)
			var de *datasets.DatasetError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check: %v, want a DatasetError containing %q", err, tc.want)
			}
		})
	}
}

// plainGen is an image generator that makes no table rows.
type plainGen struct{}

func (plainGen) Info() generators.Info {
	return generators.Info{Name: "plain", Kinds: []string{"image"}}
}
func (plainGen) Validate(json.RawMessage) error { return nil }
func (plainGen) Start(context.Context, *generators.Env) (generators.Run, error) {
	return nil, errors.New("plain: not run in these tests")
}

// An image generator on a table is refused naming the table generators.
func TestTableEvaluationRefusesImageGenerators(t *testing.T) {
	root := t.TempDir()
	p := tableQualityPipeline(t, root)
	if err := p.Registry.Register(plainGen{}); err != nil {
		t.Fatal(err)
	}
	req := evaluate.Request{Dataset: "file://" + root + "/t.csv", TableOptions: generators.TableOptions{LabelColumn: "label"}, Methods: []evaluate.Method{{Generator: "plain"}}}
	err := req.Normalize(p.Registry)
	if err == nil || !strings.Contains(err.Error(), `generator "plain" makes no table rows; on tables use one of: mislabel, oversample, smote`) {
		t.Errorf("Normalize: %v, want it to name the table generators", err)
	}
}

// With repeat_generation every method makes rows once per seed (under
// methods/<name>/seed-<s>/), and each judge run adds its seed's rows.
func TestTableEvaluationRepeatGeneration(t *testing.T) {
	root := t.TempDir()
	writeSeparableTable(t, filepath.Join(root, "t.csv"), 20)
	p := tableQualityPipeline(t, root)
	req := evaluate.Request{Dataset: "file://" + root + "/t.csv", Output: "file://" + root + "/out", Seeds: []int64{1, 2}, RepeatGeneration: true,
		TableOptions: generators.TableOptions{LabelColumn: "label", OutputFormat: "parquet"}, Methods: []evaluate.Method{{Generator: "oversample"}}}
	body, _ := json.Marshal(req)
	r := &evaluate.Runner{Pipeline: p}
	if _, err := r.RunEvaluation(context.Background(), "eval_r", body, func(generators.Progress) {}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "out", "eval_r")
	for _, s := range []string{"seed-1", "seed-2"} {
		if _, err := os.Stat(filepath.Join(dir, "methods", "oversample", s, "data.parquet")); err != nil {
			t.Errorf("no rows of %s: %v", s, err)
		}
	}
	var lb evaluate.Leaderboard
	readJSON(t, filepath.Join(dir, evaluate.LeaderboardKey), &lb)
	for _, v := range lb.Utility.Variants {
		if v.Name != "oversample" {
			continue
		}
		if !v.Seeded || len(v.Runs) != 2 {
			t.Errorf("oversample: seeded %v with %d runs, want one run per generation seed", v.Seeded, len(v.Runs))
		}
		return
	}
	t.Error("the utility has no oversample variant")
}
