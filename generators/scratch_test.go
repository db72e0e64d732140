package generators_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// RemoveScratch removes a job's _work/ and, with nested, the _work/ of the
// jobs inside its output (an evaluation's methods), and nothing else: not a
// class that happens to be named _work (issue 13, item 7).
func TestRemoveScratch(t *testing.T) {
	ctx := context.Background()
	keys := []string{
		"_work/gan/trainer.tsm", "_work/gan/model_id",
		"data/_work/syn_oversample_000000.png", "data/rare/syn_oversample_000000.png",
		"methods/wgan-gp/_work/gan/trainer.tsm", "methods/wgan-gp/data/rare/syn_wgan-gp_000000.png",
		"methods/wgan-gp/seed-2/_work/gan/trainer.tsm", "methods/wgan-gp/seed-2/data/_work/syn_wgan-gp_000000.png",
		"metadata.jsonl", "report.json",
	}
	cases := []struct {
		nested      bool
		wantRemoved []string
	}{
		{false, []string{"_work/gan/model_id", "_work/gan/trainer.tsm"}},
		{true, []string{"_work/gan/model_id", "_work/gan/trainer.tsm", "methods/wgan-gp/_work/gan/trainer.tsm", "methods/wgan-gp/seed-2/_work/gan/trainer.tsm"}},
	}
	for _, c := range cases {
		st, err := local.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if _, err := st.Put(ctx, k, bytes.NewReader([]byte("x")), 1, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := generators.RemoveScratch(ctx, st, c.nested)
		if err != nil || n != len(c.wantRemoved) {
			t.Errorf("nested %v: removed %d (%v), want %d", c.nested, n, err, len(c.wantRemoved))
		}
		left := storagetest.Keys(t, ctx, st, "", storage.ListOptions{})
		var want []string
		for _, k := range keys {
			if !slices.Contains(c.wantRemoved, k) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		if !slices.Equal(left, want) {
			t.Errorf("nested %v: left %q, want %q", c.nested, left, want)
		}
		st.Close()
	}
}
