package quality

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

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

// pcaTestRows returns n rows of d Gaussian columns with means and standard
// deviations that vary by column, so the leading eigenvalues are distinct.
func pcaTestRows(rng *rand.Rand, n, d int) blas32.General {
	mean, sd := make([]float64, d), make([]float64, d)
	for j := range d {
		mean[j] = 10 * rng.Float64()
		sd[j] = 0.5 + 3*rng.Float64()
	}
	return gaussianRows(rng, n, mean, sd)
}

// comparePCA checks that got matches want: the same mean, total variance,
// the same variances (relative to the largest), the same components (signs
// included) for the first `same` components, and for those the same
// projections of x.
func comparePCA(t *testing.T, x blas32.General, got, want *PCA, same int) {
	t.Helper()
	if got.Dim != want.Dim || got.K != want.K {
		t.Fatalf("got %d×%d components, want %d×%d", got.Dim, got.K, want.Dim, want.K)
	}
	for j := range want.Mean {
		if got.Mean[j] != want.Mean[j] {
			t.Fatalf("mean %d: got %v, want %v (the same sums)", j, got.Mean[j], want.Mean[j])
		}
	}
	if !near(got.TotalVariance, want.TotalVariance, 1e-12*want.TotalVariance) {
		t.Errorf("total variance: got %v, want %v", got.TotalVariance, want.TotalVariance)
	}
	top := want.Variance[0]
	for c := range want.K {
		if !near(got.Variance[c], want.Variance[c], 1e-10*top) {
			t.Errorf("variance %d: got %v, want %v ± %.1g", c, got.Variance[c], want.Variance[c], 1e-10*top)
		}
	}
	k := want.K
	for c := range same {
		var worst float64
		for i := range want.Dim {
			worst = max(worst, math.Abs(got.Components[i*k+c]-want.Components[i*k+c]))
		}
		// Eigenvector rounding error is about eps·λ_max/gap: well under
		// 1e-8 on these spectra; a flipped sign would give about 0.1 or more.
		if worst > 1e-8 {
			t.Errorf("component %d: largest entry difference %.3g, want <= 1e-8", c, worst)
		}
	}
	zg, err := got.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := want.Transform(x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Rows {
		for c := range same {
			a, b := float64(zg.Data[i*k+c]), float64(zw.Data[i*k+c])
			// float32 products of length d: relative 1e-5 of the row's
			// scale (the square root of the total variance).
			if tol := 1e-5 * (1 + math.Sqrt(want.TotalVariance)); !near(a, b, tol) {
				t.Errorf("row %d, component %d: got projection %v, want %v ± %.2g", i, c, a, b, tol)
			}
		}
	}
}

// checkOrthonormal checks that the components are orthonormal columns.
func checkOrthonormal(t *testing.T, p *PCA) {
	t.Helper()
	for a := range p.K {
		for b := a; b < p.K; b++ {
			var dot float64
			for i := range p.Dim {
				dot += p.Components[i*p.K+a] * p.Components[i*p.K+b]
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if !near(dot, want, 1e-10) {
				t.Errorf("components %d·%d: got %.3g, want %v", a, b, dot, want)
			}
		}
	}
}

// With fewer rows than columns FitPCA takes the SVD of the rows; it must
// agree with the d×d covariance route.
func TestPCARowsRouteMatchesCovariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, s := range []struct{ n, d, k int }{
		{2, 7, 1}, {5, 12, 4}, {10, 40, 9}, {30, 64, 29}, {20, 150, 19}, {8, 120, 3},
	} {
		x := pcaTestRows(rng, s.n, s.d)
		want, err := fitPCACov(x, s.k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FitPCA(x, s.k)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := fitPCARows(x, s.k)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, rows) {
			t.Errorf("n %d, d %d: FitPCA did not take the rows route", s.n, s.d)
		}
		t.Run(fmt.Sprintf("n=%d,d=%d,k=%d", s.n, s.d, s.k), func(t *testing.T) {
			comparePCA(t, x, got, want, s.k)
			checkOrthonormal(t, got)
		})
	}
	// At least as many rows as columns: the covariance route, unchanged.
	x := pcaTestRows(rng, 12, 12)
	got, err := FitPCA(x, 5)
	if err != nil {
		t.Fatal(err)
	}
	want, err := fitPCACov(x, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("n = d = 12: FitPCA did not take the covariance route")
	}
}

// Duplicated rows: the centred rows have rank 5, below n−1 = 11. The first 5
// components match the covariance route; the rest have variance 0 and are
// still orthonormal, also past n (the full V), with projections of the
// training rows 0.
func TestPCARowsRankDeficient(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const n, d, rank = 12, 30, 5
	u := pcaTestRows(rng, rank+1, d)
	x := newMatrix(n, d)
	for i := range n {
		copy(neighbors.Row(x, i), neighbors.Row(u, i%(rank+1)))
	}
	for _, k := range []int{n - 1, n + 6, d} {
		want, err := fitPCACov(x, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FitPCA(x, k)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			comparePCA(t, x, got, want, rank)
			checkOrthonormal(t, got)
			var sum float64
			for c, v := range got.Variance {
				sum += v
				if c >= rank && v > 1e-12*got.Variance[0] {
					t.Errorf("variance %d: got %.3g, want 0 (rank %d)", c, v, rank)
				}
			}
			if !near(sum, got.TotalVariance, 1e-10*got.TotalVariance) {
				t.Errorf("explained variance: got %v, want all of %v", sum, got.TotalVariance)
			}
			z, err := got.Transform(x)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				for c := rank; c < k; c++ {
					if v := z.Data[i*k+c]; math.Abs(float64(v)) > 1e-4 {
						t.Errorf("row %d, component %d: got projection %v, want 0", i, c, v)
					}
				}
			}
		})
	}
}

// Signs: the largest-magnitude entry of each component is positive, and the
// same components come back from a second fit, from the rows in another
// order and from the negated rows (whose covariance is the same).
func TestPCASignsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	const n, d, k = 15, 90, 14
	x := pcaTestRows(rng, n, d)
	p, err := FitPCA(x, k)
	if err != nil {
		t.Fatal(err)
	}
	again, err := FitPCA(x, k)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, again) {
		t.Error("a second fit on the same rows differs")
	}
	for c := range k {
		big := 0
		for i := range d {
			if math.Abs(p.Components[i*k+c]) > math.Abs(p.Components[big*k+c]) {
				big = i
			}
		}
		if p.Components[big*k+c] <= 0 {
			t.Errorf("component %d: largest-magnitude entry %v, want positive", c, p.Components[big*k+c])
		}
	}
	perm, neg := newMatrix(n, d), newMatrix(n, d)
	for i, src := range rng.Perm(n) {
		copy(neighbors.Row(perm, i), neighbors.Row(x, src))
	}
	for i, v := range x.Data {
		neg.Data[i] = -v
	}
	for name, y := range map[string]blas32.General{"permuted": perm, "negated": neg} {
		q, err := FitPCA(y, k)
		if err != nil {
			t.Fatal(err)
		}
		for i := range d * k {
			if !near(q.Components[i], p.Components[i], 1e-8) {
				t.Errorf("%s rows, component %d entry %d: got %v, want %v", name, i%k, i/k, q.Components[i], p.Components[i])
				break
			}
		}
	}
}
