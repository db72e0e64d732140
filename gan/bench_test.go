package gan

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Benchmarks of one critic update (data, generator forward for the fakes,
// critic loss with gradient penalty, second-order backward, Adam), one
// generator update, and sampling 64 images, for the default conv
// architecture at batch 64 on 28x28x1 with 10 classes (float32).
// scripts/bench/gan/bench.sh runs them beside the same steps in PyTorch.
// TAILSYNTH_GAN_WORKERS sets the trainer's data-parallel workers (default
// 1; 0: one per CPU).

func benchTrainer(b *testing.B) (*Trainer, Dataset, [][]int) {
	b.Helper()
	cfg := DefaultConfig(28, 28, 1, 10)
	m, err := NewModel(cfg)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := NewTrainer(m, DefaultHyper())
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	n := 256
	x := make([]float32, n*28*28)
	labels := make([]int, n)
	for i := range x {
		x[i] = float32(2*rng.Float64() - 1)
	}
	for i := range labels {
		labels[i] = i % 10
	}
	data, err := NewSliceDataset(x, labels, 28*28)
	if err != nil {
		b.Fatal(err)
	}
	if w := os.Getenv("TAILSYNTH_GAN_WORKERS"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil {
			b.Fatalf("TAILSYNTH_GAN_WORKERS=%q: want a whole number", w)
		}
		if err := tr.SetWorkers(n); err != nil {
			b.Fatal(err)
		}
	}
	if err := tr.ensureGraphs(); err != nil {
		b.Fatal(err)
	}
	idx, err := classIndex(data, 10)
	if err != nil {
		b.Fatal(err)
	}
	return tr, data, idx
}

// benchWarmup is the number of untimed calls before each timed step of
// BenchmarkStep: the first builds the graphs and buffers (the shards'
// graphs, the sampler), and scripts/bench/gan's PyTorch twin runs as many
// warm-up calls before it times.
const benchWarmup = 2

func BenchmarkStep(b *testing.B) {
	b.Run("critic/28x28x1/batch64", func(b *testing.B) {
		tr, data, idx := benchTrainer(b)
		var st StepStats
		for range benchWarmup {
			if err := criticUpdate[float32](tr, data, idx, &st); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := criticUpdate[float32](tr, data, idx, &st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("generator/28x28x1/batch64", func(b *testing.B) {
		tr, data, idx := benchTrainer(b)
		var st StepStats
		for range benchWarmup {
			if err := genUpdate[float32](tr, data, idx, &st); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := genUpdate[float32](tr, data, idx, &st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sample/28x28x1/n64", func(b *testing.B) {
		tr, _, _ := benchTrainer(b)
		m := tr.Model()
		m.sampleWorkers = tr.Workers() // TAILSYNTH_GAN_WORKERS
		ctx := context.Background()
		sink := float32(0)
		sample := func(i int) {
			err := m.Sample(ctx, i%10, SampleBatch, int64(i), func(_ int, x []float32) error {
				sink += x[0]
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		for i := range benchWarmup {
			sample(i)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sample(i)
		}
	})
}

func BenchmarkKernels(b *testing.B) {
	n := 1 << 20
	x := make([]float32, n)
	out := make([]float32, n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	b.Run("leaky/1Mi", func(b *testing.B) {
		b.SetBytes(int64(8 * n))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			leakyKernel(x, x, out, 0.2)
		}
	})
	g := convGeom{KH: 4, KW: 4, SH: 2, SW: 2, PH: 1, PW: 1, H: 14, W: 14, C: 64}
	batch := 64
	im := make([]float32, batch*g.H*g.W*g.C)
	oh, ow := g.outHW()
	col := make([]float32, batch*oh*ow*g.colWidth())
	b.Run("im2col/64x14x14x64", func(b *testing.B) {
		b.SetBytes(int64(4 * len(col)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			im2colKernel(im, col, batch, g)
		}
	})
	b.Run("col2im/64x14x14x64", func(b *testing.B) {
		b.SetBytes(int64(4 * len(col)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			col2imKernel(col, im, batch, g)
		}
	})
}
