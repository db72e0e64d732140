package pipeline_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// snapshot lists every path under dir, to show a dataset was not touched.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// TestRunRefusesOutputThatResolvesIntoDataset checks the run-time half of
// issue 13 item 1: the output passed the check at submit, then a symlink
// changed before the job ran. The job must fail and write nothing.
func TestRunRefusesOutputThatResolvesIntoDataset(t *testing.T) {
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writePNGs(t, ds, map[string]int{"common": 6, "rare": 2})
	if err := os.Symlink(ds, filepath.Join(root, "dslink")); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, dataset, output string }{
		{"output is a link to the dataset", ds, filepath.Join(root, "dslink")},
		{"output below a link to the dataset", ds, filepath.Join(root, "dslink", "out")},
		{"dataset named through a link, output in the real folder", filepath.Join(root, "dslink"), filepath.Join(ds, "out")},
	}
	p := newPipeline(t, root)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Cleanup(func() { os.RemoveAll(filepath.Join(ds, "out")) }) // keep the cases apart if one fails
			before := snapshot(t, ds)
			spec := generators.Spec{ID: "job_0011223344556677889" + string(rune('a'+i)), Dataset: c.dataset, Output: c.output,
				Generator: "oversample", Seed: 1, Strategy: generators.Strategy{Mode: generators.ModeAuto}}
			_, err := p.Run(context.Background(), spec, func(generators.Progress) {})
			var de *datasets.DatasetError
			if !errors.As(err, &de) {
				t.Errorf("Run: error %v, want a DatasetError (the output resolves into the dataset)", err)
			}
			if after := snapshot(t, ds); !slices.Equal(before, after) {
				t.Errorf("the dataset changed: %d paths before, %d after (the job wrote into it)", len(before), len(after))
			}
		})
	}
}
