package tabgan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/smote"
)

// bimodal returns n values, half around -5 and half around +5 (σ = 0.5).
func bimodal(n int, rng *rand.Rand) []float64 {
	x := make([]float64, n)
	for i := range x {
		c := -5.0
		if i%2 == 1 {
			c = 5
		}
		x[i] = c + 0.5*rng.NormFloat64()
	}
	return x
}

func TestMixtureFindsModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		x    []float64
		want int
	}{
		{"bimodal", bimodal(600, rng), 2},
		{"unimodal", func() []float64 {
			x := make([]float64, 600)
			for i := range x {
				x[i] = 3 + 2*rng.NormFloat64()
			}
			return x
		}(), 1},
		{"constant", []float64{4, 4, 4, 4}, 1},
		{"one row", []float64{7}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := fitMixture(tc.x)
			if got := len(m.Weights); got != tc.want {
				t.Fatalf("got %d modes (%+v), want %d", got, m, tc.want)
			}
		})
	}
	m := fitMixture(bimodal(600, rng))
	lo, hi := min(m.Means[0], m.Means[1]), max(m.Means[0], m.Means[1])
	if math.Abs(lo+5) > 0.1 || math.Abs(hi-5) > 0.1 || math.Abs(m.Weights[0]-0.5) > 0.01 {
		t.Errorf("bimodal fit %+v, want means -5 and 5 (±0.1) with weights 0.5 (±0.01)", m)
	}
	for _, s := range m.Stds {
		if math.Abs(s-0.5) > 0.06 {
			t.Errorf("bimodal fit std %v, want 0.5 ± 0.06", s)
		}
	}
}

func mixedTable(n int, rng *rand.Rand) smote.Table {
	t := smote.Table{Numeric: [][]float64{bimodal(n, rng), make([]float64, n)}, Categorical: [][]int{make([]int, n)}, Levels: []int{3}}
	for i := 0; i < n; i++ {
		t.Numeric[1][i] = 100 + 10*rng.NormFloat64()
		t.Categorical[0][i] = rng.IntN(3)
	}
	return t
}

func TestTransformRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tab := mixedTable(300, rng)
	tr, err := FitTransformer(tab)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Dim(), 1+tr.Modes(0)+1+tr.Modes(1)+3; got != want {
		t.Fatalf("Dim = %d, want %d", got, want)
	}
	rows, err := tr.Transform(tab, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range rows {
		if v < -1 || v > 1 {
			t.Fatalf("transformed value %v outside [-1, 1]", v)
		}
	}
	back, err := tr.Inverse(rows, tab.Rows())
	if err != nil {
		t.Fatal(err)
	}
	// Exact up to rounding: no value is 4σ·0.99 away from its mode here.
	const tol = 1e-9
	for j := range tab.Numeric {
		for i, want := range tab.Numeric[j] {
			if got := back.Numeric[j][i]; math.Abs(got-want) > tol*max(1, math.Abs(want)) {
				t.Fatalf("numeric column %d row %d: got %v, want %v (tolerance %g)", j, i, got, want, tol)
			}
		}
	}
	for i, want := range tab.Categorical[0] {
		if got := back.Categorical[0][i]; got != want {
			t.Fatalf("categorical row %d: got %d, want %d", i, got, want)
		}
	}
}

func TestInverseClipsToObservedRange(t *testing.T) {
	tab := smote.Table{Numeric: [][]float64{{1, 2, 3, 4, 5}}}
	tr, err := FitTransformer(tab)
	if err != nil {
		t.Fatal(err)
	}
	d := tr.Dim()
	m := tr.Numeric[0].Mixture
	hi, lo := 0, 0
	for k, mu := range m.Means {
		if mu > m.Means[hi] {
			hi = k
		}
		if mu < m.Means[lo] {
			lo = k
		}
	}
	rows := make([]float64, 2*d)
	rows[0], rows[1+hi] = 1, 1 // α = 1 in the top mode: its mean + 4σ is beyond the max
	rows[d], rows[d+1+lo] = -1, 1
	back, err := tr.Inverse(rows, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Numeric[0]; got[0] != 5 || got[1] != 1 {
		t.Errorf("got %v, want [5 1] (clipped to the observed range)", got)
	}
}

func TestTransformRejectsOtherShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tab := mixedTable(50, rng)
	tr, err := FitTransformer(tab)
	if err != nil {
		t.Fatal(err)
	}
	other := tab
	other.Levels = []int{4}
	if _, err := tr.Transform(other, rng); err == nil {
		t.Error("Transform accepted a table with other levels")
	}
	if _, err := FitTransformer(smote.Table{}); err == nil {
		t.Error("FitTransformer accepted an empty table")
	}
	if _, err := FitTransformer(smote.Table{Numeric: [][]float64{{1, math.NaN()}}}); err == nil {
		t.Error("FitTransformer accepted NaN")
	}
}
