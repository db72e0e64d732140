package quality

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

func BenchmarkFrechetDistance(b *testing.B) {
	for _, s := range []struct{ n, d int }{{2000, 64}, {10000, 128}, {10000, 784}} {
		b.Run(fmt.Sprintf("n=%d/d=%d", s.n, s.d), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			mean, sd := make([]float64, s.d), make([]float64, s.d)
			for j := range sd {
				sd[j] = 1
			}
			x := gaussianRows(rng, s.n, mean, sd)
			y := gaussianRows(rng, s.n, mean, sd)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FrechetDistance(x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKNNPrecisionRecall(b *testing.B) {
	for _, s := range []struct{ n, d int }{{1000, 128}, {5000, 128}} {
		b.Run(fmt.Sprintf("n=%d/d=%d", s.n, s.d), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			mean, sd := make([]float64, s.d), make([]float64, s.d)
			for j := range sd {
				sd[j] = 1
			}
			x := gaussianRows(rng, s.n, mean, sd)
			y := gaussianRows(rng, s.n, mean, sd)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := KNNPrecisionRecall(context.Background(), x, y, 3); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTrainLogReg(b *testing.B) {
	for _, s := range []struct{ n, d, c int }{{5000, 64, 10}, {20000, 128, 10}} {
		b.Run(fmt.Sprintf("n=%d/d=%d/c=%d", s.n, s.d, s.c), func(b *testing.B) {
			per := make([]int, s.c)
			for i := range per {
				per[i] = s.n / s.c
			}
			data := blobs(rand.New(rand.NewPCG(1, 2)), per, s.d, 1.5)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := TrainLogReg(context.Background(), data.X, data.Y, s.c, LogRegConfig{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
