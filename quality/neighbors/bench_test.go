package neighbors

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkSearch measures k=3 search. The largest case (5,000 queries against
// 60,000 references at d=128, an MLP embedding of Fashion-MNIST) takes seconds
// per op; run it with -benchtime=1x.
func BenchmarkSearch(b *testing.B) {
	for _, s := range []struct{ nq, nr, d int }{
		{500, 6000, 128},
		{500, 6000, 784},
		{5000, 60000, 128},
	} {
		b.Run(fmt.Sprintf("q=%d/r=%d/d=%d", s.nq, s.nr, s.d), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			ref := randMatrix(rng, s.nr, s.d, 0)
			q := randMatrix(rng, s.nq, s.d, 0)
			ix, err := NewIndex(ref)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := ix.Search(context.Background(), q, 3); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(2*float64(s.nq)*float64(s.nr)*float64(s.d)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
