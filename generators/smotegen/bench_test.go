package smotegen_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/smotegen"
)

// BenchmarkJob times Start (reading, SMOTE) plus Generate of every sample,
// without the pipeline's writes: image classes of rows 32x32 RGB PNGs and
// vector classes of rows float32 vectors, n new samples each.
func BenchmarkJob(b *testing.B) {
	for _, c := range []struct {
		kind         string
		rows, n, dim int // dim: image side or vector length
	}{
		{"image", 50, 200, 32},
		{"vector", 500, 2000, 128},
	} {
		b.Run(fmt.Sprintf("%s/rows=%d/n=%d/dim=%d", c.kind, c.rows, c.n, c.dim), func(b *testing.B) {
			root := b.TempDir()
			ds := newDataset(b, root)
			rng := rand.New(rand.NewPCG(1, 1))
			if c.kind == "image" {
				ds.patterns("a", c.rows, c.dim, c.dim)
			} else {
				for range c.rows {
					vectorFile(ds, "a", to32(randVector(rng, c.dim, 1)))
				}
			}
			e := env(b, root, map[string]int{"a": c.n})
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				run, err := smotegen.Generator{}.Start(ctx, e)
				if err != nil {
					b.Fatal(err)
				}
				for i := range c.n {
					if _, err := run.Generate(ctx, "a", i); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(c.n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

var _ generators.Generator = smotegen.Generator{}
