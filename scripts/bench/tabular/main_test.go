package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSplit writes a small mixed table where class "rare" has x near 10
// and colour "red", class "common" x near 0 and "blue" or "green".
func writeSplit(t *testing.T, path string, common, rare int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,colour,target\n")
	for i := range common {
		fmt.Fprintf(&b, "%g,%s,common\n", float64(i%7)/7, []string{"blue", "green"}[i%2])
	}
	for i := range rare {
		fmt.Fprintf(&b, "%g,red,rare\n", 10+float64(i%5)/5)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMeasureAndMarkdown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "toy")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSplit(t, filepath.Join(dir, "train.csv"), 60, 6)
	writeSplit(t, filepath.Join(dir, "test.csv"), 20, 20)
	meta := `{"label": "target", "rare": ["rare"], "note": "toy"}`
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := measure(context.Background(), dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Result.SMOTE != "smote-nc" {
		t.Errorf("smote method %q, want smote-nc on a mixed table", m.Result.SMOTE)
	}
	var out strings.Builder
	if err := writeMarkdown(&out, []measured{m}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| variant | toy rare F1 | toy bal. acc. |",
		"| real | 1.000 | 1.000 |",
		"| random_oversampling | 1.000 ± 0.000 | 1.000 ± 0.000 |",
		"| smote (SMOTE / SMOTE-NC / SMOTE-N) | 1.000 ± 0.000 | 1.000 ± 0.000 |",
		"rare [rare]; smote variant = smote-nc adding map[1:54]",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, out.String())
		}
	}

	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(`{"label": "target", "rare": ["nope"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := measure(context.Background(), dir, 2); err == nil || !strings.Contains(err.Error(), `rare class "nope"`) {
		t.Errorf("got error %v, want one naming the unknown rare class", err)
	}
}

func TestParseMethods(t *testing.T) {
	got, err := parseMethods(`oversample,gan=tabular-gan:{"epochs":3,"batch":20},smote`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Name != "gan" || got[1].Generator != "tabular-gan" || string(got[1].Params) != `{"epochs":3,"batch":20}` || got[2].Generator != "smote" {
		t.Errorf("parseMethods = %+v", got)
	}
	if _, err := parseMethods(""); err == nil {
		t.Error("an empty -methods was accepted")
	}
}

// -evaluate runs the evaluation path on a directory's table.csv and
// prints the rare class's F1 per row.
func TestEvaluateAndMarkdown(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "toy")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSplit(t, filepath.Join(dir, "table.csv"), 60, 12)
	meta := `{"label": "target", "rare": ["rare"], "note": "toy"}`
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	methods, err := parseMethods("oversample,smote")
	if err != nil {
		t.Fatal(err)
	}
	all, err := runEvaluations(context.Background(), []string{dir}, methods, 2, 2, filepath.Join(root, "work"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || len(all[0].Leaderboards) != 2 {
		t.Fatalf("got %d tables, want 1 with 2 splits", len(all))
	}
	if s := all[0].Leaderboards[1].Split; s.Seed != 101 || s.HeldOutCounts["rare"] != 4 {
		t.Errorf("second split %+v, want seed 101 and 4 rare rows held out", s)
	}
	var out strings.Builder
	if err := writeEvalMarkdown(&out, all); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| row | toy (smote-nc; rare rare: 8 train, 4 held out) |",
		"| real | 1.000 ± 0.000 |",
		"| smote-generator | 1.000 ± 0.000 |",
		"| oversample | +0.000 ± 0.000 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, out.String())
		}
	}
}
