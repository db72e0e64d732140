package quality

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

func TestTrainLogRegSeparable(t *testing.T) {
	// Three well-separated blobs (centres 12 apart, unit variance): a
	// linear classifier separates them perfectly.
	rng := rand.New(rand.NewPCG(13, 14))
	train := blobs(rng, []int{60, 40, 20}, 4, 12)
	test := blobs(rng, []int{30, 30, 30}, 4, 12)
	m, fit, err := TrainLogReg(context.Background(), train.X, train.Y, 3, LogRegConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		d    Dataset
	}{{"train", train}, {"test", test}} {
		pred, err := m.Predict(s.d.X)
		if err != nil {
			t.Fatal(err)
		}
		met, err := Evaluate(s.d.Y, pred, 3)
		if err != nil {
			t.Fatal(err)
		}
		if met.Accuracy != 1 {
			t.Errorf("%s: got accuracy %v, want 1 (fit: %+v)", s.name, met.Accuracy, fit)
		}
	}
	again, _, err := TrainLogReg(context.Background(), train.X, train.Y, 3, LogRegConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.W, again.W) || !slices.Equal(m.B, again.B) {
		t.Error("two fits of the same data: got different weights, want identical")
	}
}

func TestSoftmaxObjectiveGradient(t *testing.T) {
	// Central finite differences, step 1e-6: truncation error O(h²) and
	// rounding error O(ε/h) ≈ 1e-10 on a loss of order 1; 1e-6 tolerance.
	rng := rand.New(rand.NewPCG(15, 16))
	n, d, c := 2*objectiveChunk+17, 3, 4 // several chunks
	x := make([]float64, n*d)
	y := make([]int, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.IntN(c)
	}
	o := newSoftmaxObjective(blas64.General{Rows: n, Cols: d, Stride: d, Data: x}, y, c, 0.3)
	theta := make([]float64, o.size())
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	grad := make([]float64, len(theta))
	o.gradient(grad, theta)
	const h = 1e-6
	for i := range theta {
		p := slices.Clone(theta)
		p[i] += h
		fp := o.value(p)
		p[i] -= 2 * h
		fm := o.value(p)
		if num := (fp - fm) / (2 * h); math.Abs(num-grad[i]) > 1e-6 {
			t.Errorf("θ[%d]: got analytic gradient %.9g, want numeric %.9g", i, grad[i], num)
		}
	}
	// The value itself: mean cross-entropy plus (λ/2)||W||², computed
	// directly.
	var want float64
	for i := range n {
		z := make([]float64, c)
		for j := range c {
			for k := range d {
				z[j] += x[i*d+k] * theta[j*d+k]
			}
			z[j] += theta[c*d+j]
		}
		var s float64
		for _, v := range z {
			s += math.Exp(v)
		}
		want += math.Log(s) - z[y[i]]
	}
	want /= float64(n)
	for _, w := range theta[:c*d] {
		want += 0.3 / 2 * w * w
	}
	if got := o.value(theta); !near(got, want, 1e-12*want) {
		t.Errorf("got objective %.15g, want %.15g", got, want)
	}
}

func TestTrainLogRegCancelled(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	train := blobs(rng, []int{20, 20}, 2, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := TrainLogReg(ctx, train.X, train.Y, 2, LogRegConfig{}); err != context.Canceled {
		t.Errorf("got error %v, want context.Canceled", err)
	}
}
