package quality

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFrechetIdenticalSets(t *testing.T) {
	for _, tc := range []struct {
		name string
		n, d int
	}{
		{"full rank", 200, 5},
		// n < d: singular covariances whose square roots meet rounding-level
		// negative eigenvalues (clamped to 0).
		{"singular", 6, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			mean := make([]float64, tc.d)
			sd := make([]float64, tc.d)
			for j := range sd {
				mean[j], sd[j] = float64(j), 1+float64(j%3)
			}
			x := gaussianRows(rng, tc.n, mean, sd)
			got, err := FrechetDistance(x, x)
			if err != nil {
				t.Fatal(err)
			}
			// Total variance is ~2·d here; the square roots leave about
			// sqrt(machine epsilon) of it.
			if got.Distance > 1e-6 {
				t.Errorf("got distance %g, want 0 (within 1e-6)", got.Distance)
			}
			if got.NReal != tc.n || got.NFake != tc.n || got.Dim != tc.d {
				t.Errorf("got counts %d, %d and dim %d, want %d, %d and %d", got.NReal, got.NFake, got.Dim, tc.n, tc.n, tc.d)
			}
		})
	}
}

func TestFrechetDiagonalAnalytic(t *testing.T) {
	// For diagonal covariances: ||μ₁−μ₂||² + Σ (s₁ + s₂ − 2√(s₁s₂)).
	m1, m2 := []float64{0, 1, 2, -1}, []float64{0.5, 1, 0, 3}
	s1, s2 := []float64{1, 4, 0.25, 9}, []float64{4, 4, 1, 0.01}
	var want float64
	for i := range m1 {
		want += (m1[i]-m2[i])*(m1[i]-m2[i]) + s1[i] + s2[i] - 2*math.Sqrt(s1[i]*s2[i])
	}
	diag := func(v []float64) *mat.SymDense {
		c := mat.NewSymDense(len(v), nil)
		for i, x := range v {
			c.SetSym(i, i, x)
		}
		return c
	}
	got, err := FrechetFromGaussians(Gaussian{N: 10, Mean: m1, Cov: diag(s1)}, Gaussian{N: 20, Mean: m2, Cov: diag(s2)})
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Distance, want, 1e-12*want) {
		t.Errorf("got %.15g, want %.15g", got.Distance, want)
	}
	if !near(got.MeanTerm, 0.25+4+16, 1e-12) {
		t.Errorf("got mean term %v, want 20.25", got.MeanTerm)
	}
}

func TestFrechetReferenceValues(t *testing.T) {
	// Reference values from NumPy 1.24.2 / SciPy 1.10.1:
	// ((m1-m2)**2).sum() + tr(C1) + tr(C2) - 2 tr(scipy.linalg.sqrtm(C1 @ C2).real),
	// with np.cov(x, rowvar=False) (unbiased) for the data case.
	t.Run("statistics", func(t *testing.T) {
		c1 := mat.NewSymDense(3, []float64{2, 0.5, 0.1, 0.5, 1, 0.3, 0.1, 0.3, 0.5})
		c2 := mat.NewSymDense(3, []float64{1, -0.2, 0, -0.2, 2, 0.4, 0, 0.4, 1.5})
		got, err := FrechetFromGaussians(Gaussian{Mean: []float64{1, 0, -1}, Cov: c1}, Gaussian{Mean: []float64{0.5, 0.5, 0.5}, Cov: c2})
		if err != nil {
			t.Fatal(err)
		}
		if want := 3.56184126011452; !near(got.Distance, want, 1e-12) {
			t.Errorf("got %.15g, want %.15g", got.Distance, want)
		}
	})
	t.Run("data", func(t *testing.T) {
		a := matrix([][]float32{{0.1, 0.2, 0.3}, {0.4, 0.1, 0.9}, {0.5, 0.5, 0.5}, {0.9, 0.3, 0.2}, {0.2, 0.8, 0.6}, {0.7, 0.6, 0.1}})
		b := matrix([][]float32{{0.3, 0.3, 0.1}, {0.6, 0.2, 0.8}, {0.1, 0.9, 0.4}, {0.8, 0.7, 0.3}, {0.4, 0.4, 0.9}, {0.2, 0.1, 0.2}, {0.5, 0.9, 0.7}})
		got, err := FrechetDistance(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if want := 0.0505627970706865; !near(got.Distance, want, 1e-12) {
			t.Errorf("got %.15g, want %.15g", got.Distance, want)
		}
		rev, _ := FrechetDistance(b, a)
		if !near(rev.Distance, got.Distance, 1e-12) {
			t.Errorf("got d(b,a) = %.15g and d(a,b) = %.15g, want equal", rev.Distance, got.Distance)
		}
	})
}

func TestFrechetSamplesConverge(t *testing.T) {
	// N(0, I₃) against N((1,0,0), 4·I₃): mean term 1, and per coordinate
	// s₁ + s₂ − 2√(s₁s₂) = 1 + 4 − 4 = 1, so the distance is 1 + 3 = 4.
	rng := rand.New(rand.NewPCG(3, 4))
	a := gaussianRows(rng, 20000, []float64{0, 0, 0}, []float64{1, 1, 1})
	b := gaussianRows(rng, 20000, []float64{1, 0, 0}, []float64{2, 2, 2})
	got, err := FrechetDistance(a, b)
	if err != nil {
		t.Fatal(err)
	}
	// Sampling error of the variances at n=20000 is about 1%, which moves
	// the distance by ~0.1.
	if !near(got.Distance, 4, 0.15) {
		t.Errorf("got %v, want 4 ± 0.15", got.Distance)
	}
}

func TestFrechetErrors(t *testing.T) {
	a := matrix([][]float32{{0, 1}, {1, 0}, {2, 2}})
	for _, tc := range []struct {
		name string
		b    [][]float32
		want string
	}{
		{"columns", [][]float32{{0, 1, 2}, {1, 2, 3}}, "real features have 2 columns and fake 3"},
		{"one row", [][]float32{{0, 1}}, "fake: features: 1 row, want at least 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FrechetDistance(a, matrix(tc.b))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFitGaussianMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	// More rows than one chunk, to cross a chunk boundary.
	x := gaussianRows(rng, gaussianChunk+37, []float64{1, -2, 3}, []float64{1, 2, 0.5})
	g, err := FitGaussian(x)
	if err != nil {
		t.Fatal(err)
	}
	n, d := x.Rows, x.Cols
	for i := range d {
		for j := range d {
			var s float64
			for r := range n {
				s += (float64(x.Data[r*d+i]) - g.Mean[i]) * (float64(x.Data[r*d+j]) - g.Mean[j])
			}
			if want := s / float64(n-1); !near(g.Cov.At(i, j), want, 1e-9*math.Abs(want)+1e-12) {
				t.Errorf("cov[%d][%d]: got %v, want %v", i, j, g.Cov.At(i, j), want)
			}
		}
	}
}
