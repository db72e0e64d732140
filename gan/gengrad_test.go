package gan

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGeneratorGradFiniteDiff compares the generator loss gradient
// (through the critic, the fused conditional layer norm, the transposed
// convolutions and, optionally, DiffAugment) with central finite
// differences in float64; tolerance as in TestCriticGradFiniteDiff.
func TestGeneratorGradFiniteDiff(t *testing.T) {
	for _, tc := range []struct {
		name    string
		arch    Arch
		aug     Augment
		noLabel bool // a model saved before Config.LabelInput existed
		block   GenBlock
	}{
		{"conv", ArchConv, Augment{}, false, ""},
		{"conv-upsample", ArchConv, Augment{}, false, GenUpsample},
		{"conv-diffaugment", ArchConv, Augment{Color: true, Translation: true, Cutout: true}, false, ""},
		{"mlp", ArchMLP, Augment{}, false, ""},
		{"conv-no-label-input", ArchConv, Augment{}, true, ""},
		{"mlp-no-label-input", ArchMLP, Augment{}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig(tc.arch, NormNone)
			cfg.LabelInput = !tc.noLabel
			cfg.GenBlock = tc.block
			m, err := NewModel(cfg)
			if err != nil {
				t.Fatal(err)
			}
			const b = 3
			gg, err := newGenGraph(m, b, tc.aug, &bufArena{})
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			fillNormal(gg.inputs.z.Data().([]float64), rng)
			if err := oneHot(gg.inputs.y.Data().([]float64), []int{0, 2, 1}, cfg.Classes); err != nil {
				t.Fatal(err)
			}
			if tc.aug.enabled() {
				if err := gg.loadAugment(tc.aug, rng); err != nil {
					t.Fatal(err)
				}
			}
			lossAt := func() float64 {
				if err := gg.run(); err != nil {
					t.Fatal(err)
				}
				return scalarOf(gg.out.loss)
			}
			lossAt()
			sym := make([][]float64, len(gg.out.grads))
			for i, g := range gg.out.grads {
				sym[i] = float64s(g.Data())
			}
			const h = 1e-5
			checked := 0
			for pi, p := range m.gen.list {
				data := p.t.Data().([]float64)
				step := max(1, len(data)/5)
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
			if _, ok := m.gen.byName["gen/in/label"]; ok == tc.noLabel && tc.arch == ArchConv {
				t.Errorf("LabelInput = %v, but the model has gen/in/label: %v", cfg.LabelInput, ok)
			}
			t.Logf("checked %d partial derivatives over %d params", checked, len(m.gen.list))
		})
	}
}
