package gan

import (
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// The fixture gan/testdata/critic_gp_torch.json holds, per case, a tiny
// float64 critic's weights and a batch (reals, fakes, ε, labels) written by
// this test with -gan.write-torch-inputs, and the loss and parameter
// gradients that PyTorch computes for them with its own conv2d, layer norm
// and autograd (scripts/fixtures/gan/critic_gp_torch.py; regenerate with
// scripts/fixtures/gan/regen.sh). The Go critic must match to 1e-9.
var writeTorchInputs = flag.Bool("gan.write-torch-inputs", false, "rewrite the inputs of testdata/critic_gp_torch.json (then run scripts/fixtures/gan/critic_gp_torch.py)")

const torchFixture = "testdata/critic_gp_torch.json"

type torchCase struct {
	Name     string               `json:"name"`
	Config   Config               `json:"config"`
	Lambda   float64              `json:"lambda"`
	Batch    int                  `json:"batch"`
	XReal    []float64            `json:"x_real"` // NHWC, flattened
	XFake    []float64            `json:"x_fake"`
	Eps      []float64            `json:"eps"`
	Labels   []int                `json:"labels"`
	Params   map[string][]float64 `json:"params"`      // Go layout, see arch.go
	Order    []string             `json:"param_order"` // creation order
	Expected *torchExpected       `json:"expected,omitempty"`
}

type torchExpected struct {
	Source  string               `json:"source"`
	Loss    float64              `json:"loss"`
	Penalty float64              `json:"penalty"`
	DReal   []float64            `json:"d_real"`
	DFake   []float64            `json:"d_fake"`
	Norms   []float64            `json:"grad_norms"`
	Grads   map[string][]float64 `json:"grads"`
}

func torchCases() []torchCase {
	conv := DefaultConfig(8, 12, 3, 3)
	conv.Base, conv.ZDim, conv.DType, conv.Seed = 2, 4, Float64, 11
	convLN := conv
	convLN.CriticNorm, convLN.Seed = NormLayer, 12
	mlp := DefaultConfig(1, 6, 1, 2)
	mlp.Arch, mlp.Hidden, mlp.ZDim, mlp.DType, mlp.CriticNorm, mlp.Seed = ArchMLP, []int{5, 3}, 4, Float64, NormLayer, 13
	return []torchCase{
		{Name: "conv", Config: conv, Lambda: 10, Batch: 3},
		{Name: "conv-layernorm", Config: convLN, Lambda: 10, Batch: 3},
		{Name: "mlp-layernorm", Config: mlp, Lambda: 10, Batch: 4},
	}
}

func TestCriticMatchesTorch(t *testing.T) {
	if *writeTorchInputs {
		writeTorchFixtureInputs(t)
		return
	}
	raw, err := os.ReadFile(torchFixture)
	if err != nil {
		t.Fatal(err)
	}
	var cases []torchCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(torchCases()) {
		t.Fatalf("fixture has %d cases, want %d; regenerate with scripts/fixtures/gan/regen.sh", len(cases), len(torchCases()))
	}
	const tol = 1e-9 // |got - want| <= tol * max(1, |want|)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Expected == nil {
				t.Fatal("fixture has no expected values; run scripts/fixtures/gan/critic_gp_torch.py")
			}
			m, err := NewModel(tc.Config)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range m.critic.list {
				want, ok := tc.Params[p.name]
				data := p.t.Data().([]float64)
				if !ok || len(want) != len(data) {
					t.Fatalf("fixture param %s has %d values, model has %d", p.name, len(want), len(data))
				}
				copy(data, want)
			}
			cg, err := newCriticGraph(m, tc.Batch, tc.Lambda, &bufArena{})
			if err != nil {
				t.Fatal(err)
			}
			if err := loadCriticBatch(cg, tc.XReal, tc.XFake, tc.Eps, tc.Labels, tc.Config.Classes); err != nil {
				t.Fatal(err)
			}
			if err := cg.run(); err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			defer func() { t.Logf("largest |Go - PyTorch| / max(1, |PyTorch|) = %.2g", worst) }()
			close := func(what string, got, want float64) {
				t.Helper()
				rel := math.Abs(got-want) / math.Max(1, math.Abs(want))
				worst = math.Max(worst, rel)
				if rel > tol {
					t.Errorf("%s: got %.15g, want (PyTorch) %.15g", what, got, want)
				}
			}
			close("loss", scalarOf(cg.out.loss), tc.Expected.Loss)
			close("penalty", scalarOf(cg.out.pen), tc.Expected.Penalty)
			d := float64s(cg.out.dRF.Data())
			for i := 0; i < tc.Batch; i++ {
				close("D(real)", d[i], tc.Expected.DReal[i])
				close("D(fake)", d[tc.Batch+i], tc.Expected.DFake[i])
			}
			for i, v := range float64s(cg.out.norms.Data()) {
				close("grad norm", v, tc.Expected.Norms[i])
			}
			for i, p := range m.critic.list {
				got := float64s(cg.out.grads[i].Data())
				want := tc.Expected.Grads[p.name]
				if len(got) != len(want) {
					t.Fatalf("grad %s: got %d values, want %d", p.name, len(got), len(want))
				}
				for j := range got {
					close("d loss / d "+p.name, got[j], want[j])
				}
			}
		})
	}
}

func writeTorchFixtureInputs(t *testing.T) {
	var out []torchCase
	for i, tc := range torchCases() {
		m, err := NewModel(tc.Config)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(100+i), 1))
		tc.Params = map[string][]float64{}
		for _, p := range m.critic.list {
			data := p.t.Data().([]float64)
			// perturb the ones/zeros of norms and biases so they are tested too
			for j := range data {
				data[j] += 0.1 * rng.NormFloat64()
			}
			tc.Params[p.name] = data
			tc.Order = append(tc.Order, p.name)
		}
		n := tc.Batch * tc.Config.features()
		tc.XReal, tc.XFake = make([]float64, n), make([]float64, n)
		for j := range tc.XReal {
			tc.XReal[j] = 2*rng.Float64() - 1
			tc.XFake[j] = math.Tanh(rng.NormFloat64())
		}
		for j := 0; j < tc.Batch; j++ {
			tc.Eps = append(tc.Eps, rng.Float64())
			tc.Labels = append(tc.Labels, rng.IntN(tc.Config.Classes))
		}
		tc.Config, _ = tc.Config.normalize()
		out = append(out, tc)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.FromSlash(torchFixture), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s without expected values; now run scripts/fixtures/gan/critic_gp_torch.py", torchFixture)
}
