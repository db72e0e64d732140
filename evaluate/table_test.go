package evaluate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// mislabel is a harmful table method: it copies rows of the OTHER classes
// and labels them as the class that asked for rows.
type mislabel struct{ generators.Oversample }

func (mislabel) Info() generators.Info {
	i := generators.Oversample{}.Info()
	i.Name = "mislabel"
	return i
}

func (mislabel) GenerateTable(ctx context.Context, env *generators.TableEnv) (*generators.TableRows, error) {
	src := env.Data.Table
	out := &generators.TableRows{Data: smote.Table{Numeric: make([][]float64, len(src.Numeric)), Categorical: make([][]int, len(src.Categorical)), Levels: src.Levels}}
	for _, c := range env.Classes() {
		n := 0
		for r := 0; n < env.Add[c]; r = (r + 1) % len(env.Data.Y) {
			if env.Data.Y[r] == c {
				continue
			}
			for j := range src.Numeric {
				out.Data.Numeric[j] = append(out.Data.Numeric[j], src.Numeric[j][r])
			}
			for j := range src.Categorical {
				out.Data.Categorical[j] = append(out.Data.Categorical[j], src.Categorical[j][r])
			}
			out.Y = append(out.Y, c)
			n++
		}
	}
	return out, nil
}

// writeSeparableTable writes a table whose rare class "fraud" (nFraud
// rows) lies apart from "ok" (80 rows) in two numeric columns, with a
// noise category and a missing value.
func writeSeparableTable(t *testing.T, path string, nFraud int) {
	t.Helper()
	writeSeparableTableOK(t, path, 80, nFraud)
}

// writeSeparableTableOK is writeSeparableTable with nOK rows of "ok".
func writeSeparableTableOK(t *testing.T, path string, nOK, nFraud int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString("x,y,colour,label\n")
	row := func(cx, cy float64, label string) {
		fmt.Fprintf(&b, "%.4f,%.4f,%s,%s\n", cx+rng.NormFloat64(), cy+rng.NormFloat64(), []string{"red", "blue", "green"}[rng.IntN(3)], label)
	}
	for range nOK {
		row(0, 0, "ok")
	}
	for range nFraud {
		row(2.2, 2.2, "fraud")
	}
	b.WriteString(",1.0,red,ok\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tableQualityPipeline(t *testing.T, root string) *pipeline.Pipeline {
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	for _, g := range []generators.Generator{generators.Oversample{}, smotegen.Generator{}, mislabel{}} {
		if err := reg.Register(g); err != nil {
			t.Fatal(err)
		}
	}
	return &pipeline.Pipeline{Registry: reg, Quality: &evaluate.Hook{}, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}

// A table job's report answers "did this help my rare class, and did it
// beat SMOTE?" on held-out rows, and a method that hurts is flagged. The
// table holds 70 fraud rows, 21 of them held out: enough that one test
// example (1/21 ≈ 0.048 of the fraud F1) is finer than mislabel's harm,
// and no small-test caveat is raised; 14 fraud rows (4 held out) raise
// the caveat once and no harm for smote.
func TestTableJobQuality(t *testing.T) {
	root := t.TempDir()
	writeSeparableTableOK(t, filepath.Join(root, "t.csv"), 160, 70)
	writeSeparableTable(t, filepath.Join(root, "small.csv"), 14)
	p := tableQualityPipeline(t, root)
	run := func(gen, table string) (*pipeline.Result, evaluate.TableQuality) {
		spec := generators.Spec{ID: "job_" + gen + "_" + strings.TrimSuffix(table, ".csv"), Dataset: "file://" + root + "/" + table, Generator: gen, Seed: 5,
			Strategy: generators.Strategy{Mode: generators.ModeAuto}, Output: "file://" + root + "/out",
			TableOptions: generators.TableOptions{LabelColumn: "label"}}
		res, err := p.Run(context.Background(), spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(root, "out", spec.ID, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Quality evaluate.TableQuality `json:"quality"`
			Alerts  []generators.Alert    `json:"alerts"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		return res, rep.Quality
	}
	_, q := run("smote", "t.csv")
	if q.Status != "measured" || q.Utility == nil || q.SMOTE != "smote-nc" {
		t.Fatalf("smote: quality %+v", q)
	}
	names := map[string]bool{}
	for _, v := range q.Utility.Variants {
		names[v.Name] = true
	}
	for _, want := range []string{"real", "random_oversampling", "smote", "job:smote"} {
		if !names[want] {
			t.Errorf("variants %v lack %q", names, want)
		}
	}
	if fraud := q.Utility.TestCount[slices.Index(q.Utility.Config.ClassNames, "fraud")]; fraud != 21 {
		t.Errorf("%d fraud rows held out, want 21", fraud)
	}
	if len(q.Alerts) != 0 {
		t.Errorf("smote on a separable table raised %v", q.Alerts)
	}

	res, q := run("mislabel", "t.csv")
	if q.Status != "measured" || len(q.Alerts) == 0 || len(res.Alerts) == 0 {
		t.Fatalf("mislabelled rows were not flagged: quality %+v, result alerts %v", q, res.Alerts)
	}
	for _, a := range q.Alerts {
		if a.Kind != generators.AlertHarm || !strings.Contains(a.Message, "job:mislabel") {
			t.Errorf("alert %+v: want harm naming the method", a)
		}
	}
	if !hasHarm(q.Alerts, "real", evaluate.MetricMinorityF1) {
		t.Errorf("mislabel alerts %+v lack minority F1 over real (lifts %+v)", q.Alerts, q.Utility.Lifts)
	}
	one, _, _ := evaluate.Resolution(q.Utility, evaluate.MetricMinorityF1)
	for _, a := range q.Alerts { // well above one test example, not at its edge
		if a.Metric == evaluate.MetricMinorityF1 && (one != 1.0/21 || -a.Lift < 2*one) {
			t.Errorf("mislabel lowers minority F1 by %.3f; want at least two test examples (%.3f each, 1/21)", -a.Lift, one)
		}
	}
	html, _ := os.ReadFile(filepath.Join(root, "out", "job_mislabel_t", "report.html"))
	if !strings.Contains(string(html), "Does it help the rare classes?") {
		t.Error("report.html has no table quality section")
	}

	// 4 held-out fraud rows: one caveat, with one test example's worth.
	_, q = run("smote", "small.csv")
	if len(q.Alerts) != 1 || q.Alerts[0].Kind != generators.AlertCaveat ||
		!strings.Contains(q.Alerts[0].Message, `only 4 test rows of class "fraud": harm flags need a fall of at least 0.250 in minority F1`) {
		t.Errorf("smote on 4 held-out fraud rows: alerts %+v, want the small-test caveat alone", q.Alerts)
	}
}
