package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/generators/tabgen"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
	"github.com/tailsynth/tailsynth/tables"
)

// labelNoise is a test double of a harmful table method: it copies rows
// of the OTHER classes and labels them as the class that asked for rows,
// so a classifier trained with them must do worse on that class.
type labelNoise struct{ generators.Oversample }

func (labelNoise) Info() generators.Info {
	i := generators.Oversample{}.Info()
	i.Name = "label-noise"
	return i
}

func (labelNoise) GenerateTable(_ context.Context, env *generators.TableEnv) (*generators.TableRows, error) {
	out := &generators.TableRows{}
	var picked []int
	for _, c := range env.Classes() {
		for r, n := 0, 0; n < env.Add[c]; r = (r + 1) % len(env.Data.Y) {
			if env.Data.Y[r] != c {
				picked = append(picked, r)
				out.Y = append(out.Y, c)
				n++
			}
		}
	}
	out.Data = env.Data.Table.Select(picked)
	return out, nil
}

var _ generators.TableGenerator = labelNoise{}

// tableEvalCSV is a mixed table: 70 "ok" and 16 "fraud" rows told apart
// by amount and items, an ID, a category, a flag and missing values.
func tableEvalCSV() string {
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("tx,amount,items,card,online,label\n")
	row := func(i int, amount float64, items int, label string) {
		a := fmt.Sprintf("%.2f", amount)
		if i%17 == 5 {
			a = "" // missing
		}
		fmt.Fprintf(&b, "%s%d,%s,%d,%s,%v,%s\n", label, i, a, items, []string{"debit", "credit", "prepaid"}[rng.IntN(3)], rng.IntN(2) == 0, label)
	}
	for i := range 70 {
		row(i, 20+8*rng.NormFloat64(), 1+rng.IntN(3), "ok")
	}
	for i := range 16 {
		row(i, 60+8*rng.NormFloat64(), 4+rng.IntN(3), "fraud")
	}
	return b.String()
}

// tableEvalServer runs the real router, job engine and evaluator with the
// table generators, on local storage and, with withS3, an S3 server.
func tableEvalServer(t *testing.T, withS3 bool) (http.Handler, string, *locator.Locator, string) {
	t.Helper()
	root := t.TempDir()
	lc := locator.Config{LocalRoots: []string{root}}
	bucket := ""
	if withS3 {
		srv := storagetest.S3(t)
		cfg := srv.Config()
		bucket = srv.NewBucket(t)
		lc.S3, lc.AllowedBuckets = &cfg, []string{bucket}
	}
	loc, err := locator.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	for _, g := range []generators.Generator{generators.Oversample{}, smotegen.Generator{}, tabgen.Generator{}, labelNoise{}} {
		if err := reg.Register(g); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &pipeline.Pipeline{Registry: reg, Log: log, Quality: &evaluate.Hook{}, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := loc.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: filepath.Join(root, "state"), Pipeline: p, Log: log,
		Evaluator: &evaluate.Runner{Pipeline: p, Log: log}, MaxSamples: 500,
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
	return NewRouter(Options{Logger: log, Mount: []func(gin.IRouter){v1.Mount, MountOpenAPI}}), root, loc, bucket
}

// waitEvaluation polls GET /v1/evaluations/{id} until the evaluation ends.
func waitEvaluation(t *testing.T, doc map[string]any, h http.Handler, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		got := evalDo(t, doc, h, "GET", "/v1/evaluations/"+id, "/v1/evaluations/{id}", "", http.StatusOK)
		ev := got["evaluation"].(map[string]any)
		if jobs.Terminal(ev["state"].(string)) {
			if ev["state"] != jobs.StateSucceeded {
				t.Fatalf("evaluation %v: %v", ev["state"], ev["error"])
			}
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("evaluation did not finish: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkTableLeaderboard holds GET /v1/evaluations/{id} of a table
// evaluation to what it must say, and returns its rows by name.
func checkTableLeaderboard(t *testing.T, got map[string]any, methods ...string) map[string]map[string]any {
	t.Helper()
	rows := map[string]map[string]any{}
	for _, r := range got["leaderboard"].([]any) {
		row := r.(map[string]any)
		rows[row["name"].(string)] = row
		if e, ok := row["error"]; ok {
			t.Errorf("row %s failed: %v", row["name"], e)
			continue
		}
		byJudge, _ := row["by_judge"].(map[string]any)
		lr, _ := byJudge["logreg"].(map[string]any)
		if lr == nil || row["headline_judge"] != "logreg" {
			t.Errorf("row %s: by_judge %v, headline %v; want the logreg judge's figures", row["name"], byJudge, row["headline_judge"])
			continue
		}
		for _, k := range []string{"minority_f1", "macro_f1", "balanced_accuracy", "minority_recall"} {
			s, _ := lr[k].(map[string]any)
			if m, ok := s["mean"].(float64); !ok || m < 0 || m > 1 {
				t.Errorf("row %s: logreg %s %v, want a mean in [0, 1]", row["name"], k, lr[k])
			}
		}
		if row["name"] != quality.VariantReal && row["lift_over_real"] == nil {
			t.Errorf("row %s has no lift over real", row["name"])
		}
	}
	for _, name := range append([]string{quality.VariantReal, quality.VariantRandomOversampling, quality.VariantSMOTE}, methods...) {
		if rows[name] == nil {
			t.Errorf("leaderboard lacks row %q: %v", name, got["leaderboard"])
		}
	}
	if m := got["minority"]; fmt.Sprint(m) != "[fraud]" {
		t.Errorf("minority %v, want [fraud]", m)
	}
	tbl, _ := got["table"].(map[string]any)
	if tbl == nil || tbl["smote"] != quality.TableSMOTENC || tbl["rows"] != 86.0 {
		t.Errorf("table %v, want 86 rows and SMOTE-NC (mixed columns)", tbl)
	}
	return rows
}

// A table evaluation over the API on local storage: a CSV with numeric,
// integer, categorical, boolean and missing values and an ID column, the
// methods oversample, smote (SMOTE-NC) and a label-noise double; every
// method's rows have exactly the requested label and count, the figures
// are rates, and the method that hurts is flagged.
func TestTableEvaluationLocal(t *testing.T) {
	doc := loadOpenAPI(t)
	h, root, _, _ := tableEvalServer(t, false)
	writeFile(t, filepath.Join(root, "fraud.csv"), tableEvalCSV())
	body := `{"dataset": "file://` + root + `/fraud.csv", "label_column": "label", "exclude_columns": ["tx"],
		"methods": [{"generator": "oversample"}, {"generator": "smote"}, {"generator": "label-noise"}]}`
	sub := evalDo(t, doc, h, "POST", "/v1/evaluations", "/v1/evaluations", body, http.StatusAccepted)
	plan := sub["plan"].(map[string]any)
	split := plan["split"].(map[string]any)
	// 30% held out: 21 of 70 ok and 5 of 16 fraud; auto adds 49 − 11 fraud rows.
	if plan["total"] != 38.0 || split["source"] != evaluate.HeldOutStratified || split["held_out_counts"].(map[string]any)["fraud"] != 5.0 {
		t.Errorf("plan %v, want 38 fraud rows and a stratified split holding out 5 fraud rows", plan)
	}
	got := waitEvaluation(t, doc, h, sub["evaluation"].(map[string]any)["id"].(string))
	rows := checkTableLeaderboard(t, got, "oversample", "smote-generator", "label-noise")

	red := false
	for _, a := range rows["label-noise"]["alerts"].([]any) {
		a := a.(map[string]any)
		red = red || (a["kind"] == "harm" && a["severity"] == "red" && a["over"] == "real" && a["judge"] == "logreg")
	}
	if !red {
		t.Errorf("label-noise is not flagged as harmful vs real: %v", rows["label-noise"])
	}

	files := got["files"].(map[string]any)
	lb, _ := storage.ParseLocation(files["leaderboard"].(string))
	dir := filepath.Dir(lb.Path)
	for _, m := range []string{"oversample", "smote-generator"} {
		recs := readCSVFile(t, filepath.Join(dir, "methods", m, "data.csv"))
		checkFraudRows(t, m, recs, 38)
	}
	page := readFile(t, filepath.Join(dir, "report.html"))
	for _, want := range []string{"<h2>Leaderboard", "smote-nc", "⚠ HARM (logreg) vs real", "label column label"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// checkFraudRows checks a method's data file: the input's columns, the
// ID left empty, exactly n rows, all labelled fraud.
func checkFraudRows(t *testing.T, method string, recs [][]string, n int) {
	t.Helper()
	if got := strings.Join(recs[0], ","); got != "tx,amount,items,card,online,label" {
		t.Errorf("%s: header %q, want the input's columns", method, got)
	}
	if len(recs)-1 != n {
		t.Errorf("%s: %d rows, want exactly %d", method, len(recs)-1, n)
	}
	for _, r := range recs[1:] {
		if r[5] != "fraud" || r[0] != "" {
			t.Errorf("%s: row %v, want label fraud and an empty (excluded) tx", method, r)
			break
		}
	}
}

// The same over S3 (versitygw), from a Parquet table, with the tabular
// GAN (a few steps) among the methods and its rows written as Parquet.
func TestTableEvaluationS3(t *testing.T) {
	doc := loadOpenAPI(t)
	h, _, loc, bucket := tableEvalServer(t, true)
	ctx := context.Background()
	data := tableEvalCSV()
	sch, err := tables.InferCSV([]tables.CSVPart{{R: strings.NewReader(data)}}, tables.Options{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := tables.NewCSVReader([]tables.CSVPart{{R: strings.NewReader(data)}}, sch, 0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := tables.NewParquetWriter(&buf, sch)
	if err != nil {
		t.Fatal(err)
	}
	if err := tables.Each(rd, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, _, err := loc.Open(ctx, "s3://"+bucket+"/tables")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, "fraud.parquet", bytes.NewReader(buf.Bytes()), int64(buf.Len()), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"dataset": "s3://%s/tables/fraud.parquet", "label_column": "label", "exclude_columns": ["tx"], "output": "s3://%s/evals", "output_format": "csv",
		"seeds": [1, 2], "methods": [{"generator": "smote"}, {"name": "gan", "generator": "tabular-gan", "params": {"steps": 4, "batch": 20, "pac": 2}}]}`, bucket, bucket)
	sub := evalDo(t, doc, h, "POST", "/v1/evaluations", "/v1/evaluations", body, http.StatusAccepted)
	id := sub["evaluation"].(map[string]any)["id"].(string)
	got := waitEvaluation(t, doc, h, id)
	checkTableLeaderboard(t, got, "smote-generator", "gan")
	out, _, err := loc.Open(ctx, "s3://"+bucket+"/evals/"+id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"smote-generator", "gan"} {
		rc, _, err := out.Get(ctx, "methods/"+m+"/data.csv")
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(rc).ReadAll()
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		checkFraudRows(t, m, recs, 38)
	}
	for _, key := range []string{evaluate.LeaderboardKey, generators.ReportHTMLKey, evaluate.SplitKey, generators.SuccessKey} {
		if _, err := out.Stat(ctx, key); err != nil {
			t.Errorf("%s: %v", key, err)
		}
	}
}

// Bad table requests get a 4xx that says what is accepted.
func TestTableEvaluationRequests(t *testing.T) {
	doc := loadOpenAPI(t)
	h, root, _, _ := tableEvalServer(t, false)
	writeFile(t, filepath.Join(root, "fraud.csv"), tableEvalCSV())
	writeFile(t, filepath.Join(root, "tiny.csv"), "x,label\n1,a\n2,a\n3,a\n4,b\n5,b\n")
	evalDataset(t, filepath.Join(root, "images"))
	table, tiny, images := "file://"+root+"/fraud.csv", "file://"+root+"/tiny.csv", "file://"+root+"/images"
	for _, tc := range []struct {
		name, body string
		want       int
		msg        string
	}{
		{"missing label column", `{"dataset":"` + table + `","label_column":"class","methods":[{"generator":"smote"}]}`, 422, `label column "class" names no column`},
		{"too few rows", `{"dataset":"` + tiny + `","label_column":"label","methods":[{"generator":"smote"}]}`, 422, `class "b" has 2 labelled rows`},
		{"a table without label_column", `{"dataset":"` + table + `","methods":[{"generator":"smote"}]}`, 400, "name its class column with label_column"},
		{"table method on images", `{"dataset":"` + images + `","methods":[{"generator":"tabular-gan"}]}`, 400, `"tabular-gan" works on tables only`},
		{"cnn judge on a table", `{"dataset":"` + table + `","label_column":"label","judges":["cnn"],"methods":[{"generator":"smote"}]}`, 400, `accepted for tables: ["logreg"]`},
		{"bad column type", `{"dataset":"` + table + `","label_column":"label","column_types":{"amount":"money"},"methods":[{"generator":"smote"}]}`, 400, "accepted: numeric, integer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := evalDo(t, doc, h, "POST", "/v1/evaluations", "/v1/evaluations", tc.body, tc.want)
			if msg, _ := m["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q, want it to contain %q", msg, tc.msg)
			}
		})
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
