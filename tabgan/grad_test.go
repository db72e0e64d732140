package tabgan

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tailsynth/tailsynth/smote"
)

// tinyConfig is a small network for fast tests.
func tinyConfig() Config {
	c := DefaultConfig()
	c.Batch, c.Pac, c.ZDim = 20, 4, 4
	c.GenHidden, c.CriticHidden = []int{8, 8}, []int{8, 8}
	c.Epochs, c.Steps = 0, 10
	c.Seed = 7
	return c
}

func toyTable(n int, rng *rand.Rand) (smote.Table, []int) {
	t := smote.Table{Numeric: [][]float64{make([]float64, n), make([]float64, n)}, Categorical: [][]int{make([]int, n), make([]int, n)}, Levels: []int{3, 2}}
	y := make([]int, n)
	for i := range n {
		y[i] = i % 2
		t.Numeric[0][i] = float64(6*y[i]-3) + 0.5*rng.NormFloat64()
		t.Numeric[1][i] = rng.ExpFloat64()
		t.Categorical[0][i] = (y[i] + rng.IntN(2)) % 3
		t.Categorical[1][i] = rng.IntN(2)
	}
	return t, y
}

// TestGradients checks the critic's (Wasserstein loss plus gradient
// penalty) and the generator's (critic score plus conditional
// cross-entropy) hand-written gradients against central differences, with
// the random draws (noise, Gumbel, dropout, interpolation) replayed.
func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tab, y := toyTable(40, rng)
	cfg := tinyConfig()
	tn, err := NewTrainer(tab, y, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A few steps first, so that the weights are not at their initial values.
	for range 3 {
		tn.criticStep()
		tn.genStep()
	}
	state, _ := tn.pcg.MarshalBinary()
	replay := func() {
		if err := tn.pcg.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
	}
	const h, tol = 1e-6, 1e-5
	check := func(name string, params []float64, f func() (float64, []float64)) {
		replay()
		_, grad := f()
		worst := 0.0
		for i := 0; i < len(params); i += max(1, len(params)/150) {
			old := params[i]
			params[i] = old + h
			replay()
			up, _ := f()
			params[i] = old - h
			replay()
			down, _ := f()
			params[i] = old
			num := (up - down) / (2 * h)
			err := math.Abs(num-grad[i]) / max(1, math.Abs(num))
			if err > worst {
				worst = err
			}
			if err > tol {
				t.Errorf("%s param %d: analytic %.9g, numeric %.9g", name, i, grad[i], num)
			}
		}
		t.Logf("%s: worst relative error %.2g (tolerance %g)", name, worst, tol)
	}
	check("critic", tn.critP, func() (float64, []float64) {
		l, _, g := tn.criticGrad()
		return l, g
	})
	check("generator", tn.m.genP, func() (float64, []float64) {
		l, _, g := tn.genGrad()
		return l, g
	})
}
