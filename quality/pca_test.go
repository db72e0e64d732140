package quality

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

func TestFitPCA(t *testing.T) {
	// Points spread along u = (1, 1, 0)/√2 with sd 3, plus sd 0.5 along
	// v = (1, −1, 0)/√2 and sd 0.1 along the third axis, centred at
	// (5, −2, 1). Population variances: 9, 0.25, 0.01.
	rng := rand.New(rand.NewPCG(17, 18))
	n := 4000
	x := newMatrix(n, 3)
	s := 1 / math.Sqrt2
	for i := range n {
		a, b, c := 3*rng.NormFloat64(), 0.5*rng.NormFloat64(), 0.1*rng.NormFloat64()
		x.Data[i*3+0] = float32(5 + s*a + s*b)
		x.Data[i*3+1] = float32(-2 + s*a - s*b)
		x.Data[i*3+2] = float32(1 + c)
	}
	p, err := FitPCA(x, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Sign rule: the largest-magnitude entry is positive; for u the two
	// equal entries tie and the first wins, so u = (+s, +s, 0).
	wantU := []float64{s, s, 0}
	for i, w := range wantU {
		// The angle error of a sample eigenvector here is about
		// sd_v/sd_u/√n ≈ 0.003.
		if !near(p.Components[i*2], w, 0.01) {
			t.Errorf("component 1, entry %d: got %.4f, want %.4f ± 0.01", i, p.Components[i*2], w)
		}
	}
	if math.Abs(p.Components[0*2+1]) < 0.69 || math.Abs(p.Components[2*2+1]) > 0.01 {
		t.Errorf("component 2: got (%.3f, %.3f, %.3f), want ±(0.707, −0.707, 0)", p.Components[1], p.Components[3], p.Components[5])
	}
	// Variance estimates: relative sampling error √(2/n) ≈ 2.2%; 4 sd.
	for i, want := range []float64{9, 0.25} {
		if !near(p.Variance[i], want, 0.09*want) {
			t.Errorf("variance %d: got %.4f, want %.4f ± 9%%", i, p.Variance[i], want)
		}
	}
	if !near(p.TotalVariance, 9.26, 0.09*9.26) {
		t.Errorf("total variance: got %.4f, want 9.26 ± 9%%", p.TotalVariance)
	}
	z, err := p.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	// Projections are centred: their means are 0 up to float32 rounding.
	for c := range 2 {
		var m float64
		for i := range n {
			m += float64(z.Data[i*2+c])
		}
		if m /= float64(n); math.Abs(m) > 1e-4 {
			t.Errorf("component %d: got projected mean %g, want 0", c, m)
		}
	}
}

func TestPCAFullRankIsRotation(t *testing.T) {
	// With k = d the projection is an orthogonal change of basis: pairwise
	// distances are preserved (float32 rounding: 1e-5 relative).
	rng := rand.New(rand.NewPCG(19, 20))
	x := gaussianRows(rng, 50, []float64{1, 2, 3, 4, 5}, []float64{1, 2, 3, 0.5, 0.1})
	p, err := FitPCA(x, 5)
	if err != nil {
		t.Fatal(err)
	}
	z, err := p.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		for j := i + 1; j < 50; j += 7 {
			a := math.Sqrt(neighbors.SquaredDistance(neighbors.Row(x, i), neighbors.Row(x, j)))
			b := math.Sqrt(neighbors.SquaredDistance(neighbors.Row(z, i), neighbors.Row(z, j)))
			if !near(a, b, 1e-5*a) {
				t.Errorf("rows %d, %d: got distance %v after projection, want %v", i, j, b, a)
			}
		}
	}
	if _, err := FitPCA(x, 6); err == nil {
		t.Error("k = 6 on 5 columns: got no error")
	}
}
