package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// evaluate --label-column runs an evaluation on a table through a real
// server (router, job engine, evaluator) and prints its leaderboard: the
// logistic judge's rare-class F1 per row and the table's SMOTE variant.
func TestEvaluateTable(t *testing.T) {
	gin.SetMode(gin.TestMode)
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("id,amount,card,label\n")
	for i := range 60 {
		fmt.Fprintf(&b, "o%d,%.2f,%s,ok\n", i, 20+8*rng.NormFloat64(), []string{"debit", "credit"}[rng.IntN(2)])
	}
	for i := range 12 {
		fmt.Fprintf(&b, "f%d,%.2f,%s,fraud\n", i, 60+8*rng.NormFloat64(), []string{"debit", "credit"}[rng.IntN(2)])
	}
	if err := os.WriteFile(filepath.Join(root, "t.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	loc, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	reg.Register(smotegen.Generator{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &pipeline.Pipeline{Registry: reg, Log: log, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := loc.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: filepath.Join(root, "state"), Pipeline: p, Log: log,
		Evaluator: &evaluate.Runner{Pipeline: p, Log: log}, Heartbeat: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond})
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
	v1 := &api.V1{Jobs: eng, Datasets: names, Schedules: eng, Evaluations: eng, Pipeline: p, Resolve: loc.Resolve, DefaultOutput: "file://" + root + "/out"}
	srv := httptest.NewServer(api.NewRouter(api.Options{Logger: log, APIKeys: []string{cliTestKey}, Mount: []func(gin.IRouter){v1.Mount}}))
	t.Cleanup(srv.Close)

	code, stdout, stderr := runCLI(t, srv.URL, "evaluate", "--dataset", "file://"+root+"/t.csv", "--label-column", "label", "--exclude-columns", "id",
		"--method", "oversample", "--method", "smote", "--wait")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	t.Logf("stdout:\n%s", stdout)
	for _, want := range []string{"minority F1 = mean F1 over fraud", "table: csv, 72 rows; the smote row is smote-nc", "judges: logreg; headline logreg", "F1 LOGREG", "report_html: file://"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if strings.Contains(stdout, "FRECHET") {
		t.Error("the table's leaderboard shows fidelity columns, which tables do not have")
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) > 3 {
			rows[f[1]] = f
		}
	}
	for _, name := range []string{"real", "random_oversampling", "smote", "oversample", "smote-generator"} {
		r, ok := rows[name]
		if !ok {
			t.Errorf("no leaderboard line for %s", name)
			continue
		}
		var f1 float64
		if _, err := fmt.Sscanf(r[2], "%f", &f1); err != nil || f1 < 0 || f1 > 1 {
			t.Errorf("%s: F1 cell %q, want a rate in [0, 1]", name, r[2])
		}
	}
	if !strings.Contains(stderr, "30% of each class held out") {
		t.Errorf("stderr does not describe the table's split:\n%s", stderr)
	}

	// A table method on an image dataset is refused with what is accepted.
	code, _, stderr = runCLI(t, srv.URL, "evaluate", "--dataset", "file://"+root+"/t.csv", "--method", "smote")
	if code == 0 || !strings.Contains(stderr, "name its class column with label_column") {
		t.Errorf("a table without --label-column: exit %d, %q", code, stderr)
	}
}
