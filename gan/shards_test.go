package gan

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestShardsMatch trains the same model with 1 worker and with 2, 3 (shards
// of unequal size) and 8 workers (more than this machine's cores) and
// compares the weights, Adam moments and step statistics after 3 steps:
// the shards see the same random draws, so they differ only in the order
// of float sums. In float64 that order is all there is: the runs agree to
// 1e-10 relative. In float32 the order's rounding can flip the sign of a
// gradient component near zero, and Adam's first updates are about
// ±lr whatever the gradient's size, so a weight may move by up to 2·lr per
// update the other way: the bound there is 2·lr·(updates so far), absolute
// (measured: at most 5.3e-4 after the 6 critic updates, bound 1.2e-3). Step
// statistics are compared in float64 only.
func TestShardsMatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dtype DType
		arch  Arch
		aug   Augment
	}{
		{"conv-f64-augment", Float64, ArchConv, Augment{Translation: true, Cutout: true, Color: true}},
		{"conv-f32", Float32, ArchConv, Augment{}},
		{"mlp-f64", Float64, ArchMLP, Augment{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig(8, 8, 1, 3)
			cfg.Arch, cfg.DType, cfg.Base, cfg.ZDim, cfg.CriticNorm, cfg.Hidden = tc.arch, tc.dtype, 4, 8, NormLayer, []int{16}
			data := shardData(t)
			train := func(workers int) *Trainer {
				m, err := NewModel(cfg)
				if err != nil {
					t.Fatal(err)
				}
				hp := DefaultHyper()
				hp.BatchSize, hp.NCritic, hp.Augment = 12, 2, tc.aug
				tr, err := NewTrainer(m, hp)
				if err != nil {
					t.Fatal(err)
				}
				if err := tr.SetWorkers(workers); err != nil {
					t.Fatal(err)
				}
				if _, err := tr.Train(context.Background(), data, RunOptions{Steps: 3}); err != nil {
					t.Fatal(err)
				}
				return tr
			}
			one := train(1)
			if len(one.shards) != 1 {
				t.Fatalf("1 worker made %d shards", len(one.shards))
			}
			next := one.rng.Uint64()
			for _, w := range []int{2, 3, 8} {
				tr := train(w)
				if len(tr.shards) != w {
					t.Fatalf("%d workers made %d shards", w, len(tr.shards))
				}
				if tc.dtype == Float64 {
					closeTo(t, w, "weights", weights(one.Model()), weights(tr.Model()), 1e-10)
					closeTo(t, w, "Adam moments", adamState(one), adamState(tr), 1e-10)
					for i, a := range one.History() {
						b := tr.History()[i]
						closeTo(t, w, "step stats", []float64{a.CriticLoss, a.GenLoss, a.Wasserstein, a.Penalty, a.GradNorm},
							[]float64{b.CriticLoss, b.GenLoss, b.Wasserstein, b.Penalty, b.GradNorm}, 1e-10)
					}
				} else {
					bound := 2 * one.Hyper().LR * float64(3*one.Hyper().NCritic)
					a, b := weights(one.Model()), weights(tr.Model())
					var worst float64
					for i := range a {
						worst = max(worst, math.Abs(a[i]-b[i]))
					}
					if worst > bound || math.IsNaN(worst) {
						t.Errorf("%d workers: float32 weights differ by %.3g, more than 2·lr·updates = %.3g", w, worst, bound)
					}
					t.Logf("%d workers: float32 weights differ by at most %.3g (bound %.3g)", w, worst, bound)
				}
				// Same random stream: the next draw agrees.
				if got := tr.rng.Uint64(); got != next {
					t.Errorf("%d workers: the random stream moved differently", w)
				}
			}
		})
	}
}

// TestSetWorkers checks the accepted values and the automatic choice.
func TestSetWorkers(t *testing.T) {
	m, err := NewModel(toyConfig())
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(m, toyHyper()) // batch 16
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int{-1, 17} {
		if err := tr.SetWorkers(bad); err == nil {
			t.Errorf("SetWorkers(%d) accepted", bad)
		}
	}
	if err := tr.SetWorkers(0); err != nil {
		t.Fatal(err)
	}
	if want := max(1, min(runtime.GOMAXPROCS(0), 2)); tr.Workers() != want {
		t.Errorf("auto: %d workers, want %d (GOMAXPROCS %d, batch 16 / 8 rows)", tr.Workers(), want, runtime.GOMAXPROCS(0))
	}
	if _, err := tr.Train(context.Background(), toyData(t, 32), RunOptions{Steps: 1}); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetWorkers(1); err == nil {
		t.Error("SetWorkers after training started was accepted")
	}
}

func shardData(t *testing.T) *SliceDataset {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 36
	x := make([]float32, n*64)
	for i := range x {
		x[i] = float32(rng.Float64()*2 - 1)
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 3
	}
	data, err := NewSliceDataset(x, labels, 64)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func adamState(tr *Trainer) []float64 {
	var out []float64
	for _, a := range []*adam{tr.cOpt, tr.gOpt} {
		for i := range a.m {
			out = append(out, float64s(a.m[i].Data())...)
			out = append(out, float64s(a.v[i].Data())...)
		}
	}
	return out
}

// closeTo fails when a and b differ by more than tol relative to the
// largest magnitude of a (so that values near zero are judged on the
// vector's scale).
func closeTo(t *testing.T, workers int, what string, a, b []float64, tol float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d workers: %s: %d values, want %d", workers, what, len(b), len(a))
	}
	var scale, worst float64
	for _, v := range a {
		scale = max(scale, math.Abs(v))
	}
	for i := range a {
		worst = max(worst, math.Abs(a[i]-b[i]))
	}
	if scale == 0 {
		scale = 1
	}
	if worst/scale > tol || math.IsNaN(worst) {
		t.Errorf("%d workers: %s differ by %.3g relative (tolerance %.3g)", workers, what, worst/scale, tol)
	}
}

// A sharded run saved and resumed with the same workers continues exactly
// as an uninterrupted sharded run: the shards keep no state across steps.
func TestShardsResume(t *testing.T) {
	data := toyData(t, 64)
	ctx := context.Background()
	sharded := func() *Trainer {
		tr := newToyTrainer(t)
		if err := tr.SetWorkers(2); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	straight := sharded()
	if _, err := straight.Train(ctx, data, RunOptions{Steps: 4}); err != nil {
		t.Fatal(err)
	}
	first := sharded()
	if _, err := first.Train(ctx, data, RunOptions{Steps: 2}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := first.Save(&buf, Meta{ID: "toy", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	resumed, _, err := LoadTrainer(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := resumed.SetWorkers(2); err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Train(ctx, data, RunOptions{Steps: 2}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights(resumed.Model()), weights(straight.Model())) {
		t.Error("a resumed sharded run differs from an uninterrupted one")
	}
}

// TestSampleShardsIdentical samples 70 images (a full batch and a partial
// one) with 1, 2 and 3 sampling workers: a sample's rows never meet
// another's in the generator, so the shards must give the same samples,
// and after the weights change (training goes on) the copies must follow.
// Bit for bit with internal/sgemm's kernel and with gonum, whose sums over
// a row do not depend on how many rows there are; OpenBLAS (-tags
// openblas) picks its kernels by the matrix sizes, so there they agree to
// float32 rounding (1e-5 of the largest value).
func TestSampleShardsIdentical(t *testing.T) {
	cfg := DefaultConfig(8, 8, 1, 3)
	cfg.Base, cfg.ZDim, cfg.CriticNorm = 4, 8, NormLayer
	base, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sample := func(m *Model) []float32 {
		var out []float32
		if err := m.Sample(context.Background(), 2, 70, 11, func(_ int, x []float32) error {
			out = append(out, x...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	models := map[int]*Model{}
	for _, w := range []int{1, 2, 3} {
		m := base.copyWeights()
		m.sampleWorkers = w
		models[w] = m
	}
	for round := range 2 {
		want := sample(models[1])
		for _, w := range []int{2, 3} {
			got := sample(models[w])
			if useGEMMKernel || BLAS() == blasName && !strings.Contains(blasName, "openblas") {
				if !slices.Equal(got, want) {
					t.Errorf("round %d: %d sampling workers gave other samples than 1", round, w)
				}
			} else {
				a, b := make([]float64, len(want)), make([]float64, len(got))
				for i := range want {
					a[i] = float64(want[i])
				}
				for i := range got {
					b[i] = float64(got[i])
				}
				closeTo(t, w, fmt.Sprintf("round %d samples (%s)", round, BLAS()), a, b, 1e-5)
			}
			if len(models[w].samplers) != w {
				t.Errorf("%d workers built %d samplers", w, len(models[w].samplers))
			}
		}
		// The weights move, as training would move them.
		for _, m := range models {
			for _, p := range m.gen.list {
				d := p.t.Data().([]float32)
				for i := range d {
					d[i] *= 1.01
				}
			}
		}
	}
}
