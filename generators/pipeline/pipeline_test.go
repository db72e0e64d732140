package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/internal/fixtures"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// Shared test fixtures (package internal/fixtures).
var (
	writePNGs  = fixtures.WritePNGs
	readAll    = fixtures.ReadAll
	newStoreAt = fixtures.NewStoreAt
)

func newPipeline(t testing.TB, roots ...string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}

func TestOversampleJob(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"common": 20, "rare": 3})
	p := newPipeline(t, root)
	spec := generators.Spec{ID: "job1", Dataset: root + "/ds", Generator: "oversample",
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 7, Output: "file://" + root + "/out"}
	var stages []string
	res, err := p.Run(context.Background(), spec, func(pr generators.Progress) { stages = append(stages, pr.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 17 || res.Added["rare"] != 17 || res.Added["common"] != 0 {
		t.Fatalf("result %+v, want 17 rare samples", res)
	}
	out, _ := newStoreAt(t, root+"/out/job1")
	keys := storagetest.Keys(t, context.Background(), out, "", storage.ListOptions{})
	var data []string
	for _, k := range keys {
		if strings.HasPrefix(k, "data/") {
			data = append(data, k)
		}
	}
	if len(data) != 17 || !slices.Contains(keys, "_SUCCESS") || !slices.Contains(keys, "metadata.jsonl") || !slices.Contains(keys, "report.json") {
		t.Fatalf("output keys %q", keys)
	}
	// Every sample is a byte-exact copy of the training file its row names.
	lines := strings.Split(strings.TrimSpace(string(readAll(t, out, "metadata.jsonl"))), "\n")
	if len(lines) != 17 {
		t.Fatalf("%d metadata rows, want 17", len(lines))
	}
	for _, l := range lines {
		var row struct {
			FileName string   `json:"file_name"`
			Label    string   `json:"label"`
			Sources  []string `json:"sources"`
			Seed     int64    `json:"seed"`
		}
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		if row.Label != "rare" || len(row.Sources) != 1 || !strings.HasPrefix(row.Sources[0], "rare/") || row.Seed != 7 {
			t.Errorf("row %s", l)
		}
		src, _ := os.ReadFile(filepath.Join(root, "ds", row.Sources[0]))
		if !bytes.Equal(readAll(t, out, row.FileName), src) {
			t.Errorf("%s is not a copy of %s", row.FileName, row.Sources[0])
		}
	}
	var rep map[string]any
	if err := json.Unmarshal(readAll(t, out, "report.json"), &rep); err != nil {
		t.Fatal(err)
	}
	if after := rep["counts_after"].(map[string]any); after["rare"].(float64) != 20 {
		t.Errorf("report counts_after %v", after)
	}
	page := string(readAll(t, out, "report.html"))
	if !strings.Contains(page, "<td>rare</td><td class=\"n\">3</td><td class=\"n\">17</td><td class=\"n\">20</td>") {
		t.Errorf("report.html lacks the class table row for rare:\n%.1500s", page)
	}
	// A completed job is not run again.
	res2, err := p.Run(context.Background(), spec, func(generators.Progress) {})
	if err != nil || !res2.Resumed {
		t.Errorf("second run = %+v, %v; want already complete", res2, err)
	}
}

func TestDeterministic(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"a": 30, "b": 4, "c": 9})
	p := newPipeline(t, root)
	p.Workers = 4
	run := func(id string, seed int64) storage.Store {
		spec := generators.Spec{ID: id, Dataset: root + "/ds", Generator: "oversample",
			Strategy: generators.Strategy{Mode: "auto"}, Seed: seed, Output: root + "/out"}
		if _, err := p.Run(context.Background(), spec, func(generators.Progress) {}); err != nil {
			t.Fatal(err)
		}
		st, _ := newStoreAt(t, root+"/out/"+id)
		return st
	}
	a, b, c := run("a", 1), run("b", 1), run("c", 2)
	if !bytes.Equal(readAll(t, a, "metadata.jsonl"), readAll(t, b, "metadata.jsonl")) {
		t.Error("same seed, different metadata.jsonl")
	}
	if bytes.Equal(readAll(t, a, "metadata.jsonl"), readAll(t, c, "metadata.jsonl")) {
		t.Error("different seeds, same metadata.jsonl")
	}
	for _, k := range storagetest.Keys(t, context.Background(), a, "data/", storage.ListOptions{}) {
		if !bytes.Equal(readAll(t, a, k), readAll(t, b, k)) {
			t.Errorf("same seed, %s differs", k)
		}
	}
}

func TestSplitLeakageGuard(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds", "train"), map[string]int{"a": 10, "b": 2})
	writePNGs(t, filepath.Join(root, "ds", "test"), map[string]int{"a": 5, "b": 5})
	p := newPipeline(t, root)
	spec := generators.Spec{ID: "j", Dataset: root + "/ds", Generator: "oversample", Seed: 3, Output: root + "/out"}
	pr, _, err := p.Prepare(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.LeakageGuard || pr.Before["a"] != 10 || pr.Before["b"] != 2 || pr.Add["b"] != 8 {
		t.Fatalf("prepared %+v: want train counts only", pr)
	}
	if _, err := p.Run(context.Background(), spec, func(generators.Progress) {}); err != nil {
		t.Fatal(err)
	}
	out, _ := newStoreAt(t, root+"/out/j")
	if strings.Contains(string(readAll(t, out, "metadata.jsonl")), "test/") {
		t.Error("a sample was made from the test split")
	}
}

func TestBadDatasets(t *testing.T) {
	root := t.TempDir()
	p := newPipeline(t, root)
	os.MkdirAll(filepath.Join(root, "empty"), 0o755)
	os.MkdirAll(filepath.Join(root, "txt", "a"), 0o755)
	os.WriteFile(filepath.Join(root, "txt", "a", "x.txt"), []byte("x"), 0o644)
	// Files, none a sample: a dataset that cannot be used.
	_, _, err := p.Prepare(context.Background(), generators.Spec{Dataset: root + "/txt", Generator: "oversample"})
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "holds no samples") {
		t.Errorf("dataset %s: error %v, want a DatasetError", root+"/txt", err)
	}
	// No files at all: not found, naming the location (issue 13, item 17).
	for _, ds := range []string{root + "/empty", root + "/missing"} {
		_, _, err := p.Prepare(context.Background(), generators.Spec{Dataset: ds, Generator: "oversample"})
		var nf *datasets.NotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), ds) {
			t.Errorf("dataset %s: error %v, want a NotFoundError naming it", ds, err)
		}
	}
	if _, _, err := p.Prepare(context.Background(), generators.Spec{Dataset: "/etc", Generator: "oversample"}); !errors.Is(err, storage.ErrLocationNotAllowed) {
		t.Errorf("/etc: error %v, want ErrLocationNotAllowed", err)
	}
}

func TestManifest(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds", "imgs"), map[string]int{"x": 6})
	var csv strings.Builder
	csv.WriteString("file,label,split\n")
	for i := range 6 {
		label := "pos"
		if i < 4 {
			label = "neg"
		}
		fmt.Fprintf(&csv, "imgs/x/%03d.png,%s,train\n", i, label)
	}
	csv.WriteString("imgs/x/999.png,neg,train\n")
	os.WriteFile(filepath.Join(root, "ds", "manifest.csv"), []byte(csv.String()), 0o644)
	p := newPipeline(t, root)
	pr, _, err := p.Prepare(context.Background(), generators.Spec{Dataset: root + "/ds", Generator: "oversample"})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Dataset.Layout != "manifest" || pr.Before["neg"] != 4 || pr.Before["pos"] != 2 || len(pr.Dataset.Skipped) != 1 {
		t.Errorf("manifest dataset %+v skipped %v", pr, pr.Dataset.Skipped)
	}
}
