package gan

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tinyConfig returns a float64 model small enough for finite differences.
func tinyConfig(arch Arch, norm Norm) Config {
	cfg := DefaultConfig(8, 4, 2, 3)
	cfg.Arch = arch
	cfg.Base = 2
	cfg.ZDim = 4
	cfg.Hidden = []int{5, 4}
	cfg.CriticNorm = norm
	cfg.DType = Float64
	cfg.Seed = 7
	return cfg
}

// fillCriticInputs fills a critic graph's inputs with random reals, fakes,
// labels and interpolates.
func fillCriticInputs(t *testing.T, cg *criticGraph, classes int, rng *rand.Rand) {
	t.Helper()
	xrf := cg.inputs.xRF.Data().([]float64)
	for i := range xrf {
		xrf[i] = 2*rng.Float64() - 1
	}
	n := len(xrf) / (2 * cg.b)
	xh := cg.inputs.xHat.Data().([]float64)
	yrf := cg.inputs.yRF.Data().([]float64)
	yh := cg.inputs.yHat.Data().([]float64)
	clear(yrf)
	clear(yh)
	for i := 0; i < cg.b; i++ {
		e := rng.Float64()
		for j := 0; j < n; j++ {
			xh[i*n+j] = e*xrf[i*n+j] + (1-e)*xrf[(cg.b+i)*n+j]
		}
		k := rng.IntN(classes)
		yrf[i*classes+k] = 1
		yrf[(cg.b+i)*classes+k] = 1
		yh[i*classes+k] = 1
	}
}

// TestCriticGradFiniteDiff compares the symbolic gradient of the full critic
// loss (Wasserstein term + gradient penalty, i.e. a gradient of a gradient)
// w.r.t. every critic param with central finite differences in float64.
// Tolerance: |sym - fd| <= 1e-6 * max(1, |fd|); h = 1e-5 gives an O(h²) ≈
// 1e-10 truncation error, well inside it unless a LeakyReLU kink lies within
// h of a pre-activation, which random inputs make very unlikely.
func TestCriticGradFiniteDiff(t *testing.T) {
	for _, tc := range []struct {
		name string
		arch Arch
		norm Norm
	}{
		{"conv", ArchConv, NormNone},
		{"conv-layernorm", ArchConv, NormLayer},
		{"mlp", ArchMLP, NormNone},
		{"mlp-layernorm", ArchMLP, NormLayer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(tc.arch, tc.norm)
			m, err := NewModel(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cg, err := newCriticGraph(m, 3, 10, &bufArena{})
			if err != nil {
				t.Fatal(err)
			}
			fillCriticInputs(t, cg, cfg.Classes, rand.New(rand.NewPCG(1, 2)))
			if err := cg.run(); err != nil {
				t.Fatal(err)
			}
			if pen := scalarOf(cg.out.pen); !(pen > 0) {
				t.Fatalf("penalty = %v, want > 0 (the check would not test second order)", pen)
			}
			sym := make([][]float64, len(cg.out.grads))
			for i, gn := range cg.out.grads {
				sym[i] = float64s(gn.Data())
			}
			lossAt := func() float64 {
				if err := cg.run(); err != nil {
					t.Fatal(err)
				}
				return scalarOf(cg.out.loss)
			}
			const h = 1e-5
			checked := 0
			for pi, p := range m.critic.list {
				data := p.t.Data().([]float64)
				// every element of small params, a sample of large ones
				step := max(1, len(data)/7)
				for j := 0; j < len(data); j += step {
					orig := data[j]
					data[j] = orig + h
					up := lossAt()
					data[j] = orig - h
					down := lossAt()
					data[j] = orig
					fd := (up - down) / (2 * h)
					if got := sym[pi][j]; math.Abs(got-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
						t.Errorf("d loss / d %s[%d]: got %.10g, want (finite difference) %.10g", p.name, j, got, fd)
					}
					checked++
				}
			}
			t.Logf("checked %d partial derivatives over %d params", checked, len(m.critic.list))
		})
	}
}
