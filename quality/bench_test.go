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

// BenchmarkEvaluateUtilityCNN times the CNN judge's runs of an evaluation
// (the real baseline, random oversampling and SMOTE, 2 seeds each: 6
// trainings of one epoch on about 2,000 28×28 rows) with the runs one at a
// time and spread over GOMAXPROCS workers; the ratio of the two is what
// running the trainings side by side buys on this machine.
func BenchmarkEvaluateUtilityCNN(b *testing.B) {
	train := bars(1, []int{900, 900, 60}, 28, 28, 1, 0.3)
	test := bars(2, []int{100, 100, 100}, 28, 28, 1, 0.3)
	counts := map[int]int{2: 840}
	variants := []Variant{RandomOversampling(counts), SMOTE(0, counts)}
	for _, workers := range []int{1, 0} {
		name := map[int]string{1: "workers=1", 0: "workers=gomaxprocs"}[workers]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				cfg := UtilityConfig{NumClasses: 3, Minority: []int{2}, Seeds: []int64{1, 2}, Judge: JudgeCNN, Workers: workers,
					CNN: CNNConfig{Height: 28, Width: 28, Channels: 1, Epochs: 1}}
				if _, err := EvaluateUtility(context.Background(), train, test, variants, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
