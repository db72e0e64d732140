package gan

import (
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// adam is the Adam optimizer (Kingma & Ba 2015) as PyTorch's torch.optim.Adam
// computes it, with the bias corrections folded into the step size:
//
//	m ← β₁ m + (1-β₁) g
//	v ← β₂ v + (1-β₂) g²
//	θ ← θ - lr · (m / (1-β₁ᵗ)) / (sqrt(v / (1-β₂ᵗ)) + ε)
//
// β₁ = 0 is allowed (the WGAN-GP paper's setting): m is then the last
// gradient. gorgonia's AdamSolver keeps its moments unexported, which rules
// out checkpoints that resume exactly, so the moments live here.
type adam struct {
	lr, beta1, beta2, eps float64
	t                     int64
	m, v                  []*tensor.Dense // aligned with the param set
}

func newAdam(ps *paramSet, lr, beta1, beta2, eps float64) *adam {
	a := &adam{lr: lr, beta1: beta1, beta2: beta2, eps: eps}
	for _, p := range ps.list {
		a.m = append(a.m, tensor.New(tensor.Of(p.t.Dtype()), tensor.WithShape(p.t.Shape().Clone()...)))
		a.v = append(a.v, tensor.New(tensor.Of(p.t.Dtype()), tensor.WithShape(p.t.Shape().Clone()...)))
	}
	return a
}

// step applies one update with the given gradients (aligned with ps.list).
func (a *adam) step(ps *paramSet, grads []*tensor.Dense) error {
	if len(grads) != len(ps.list) {
		return fmt.Errorf("gan: adam got %d gradients for %d params", len(grads), len(ps.list))
	}
	a.t++
	bc1 := 1 - math.Pow(a.beta1, float64(a.t))
	bc2 := 1 - math.Pow(a.beta2, float64(a.t))
	for i, p := range ps.list {
		switch w := p.t.Data().(type) {
		case []float32:
			adamKernel(w, grads[i].Data().([]float32), a.m[i].Data().([]float32), a.v[i].Data().([]float32), a, bc1, bc2)
		case []float64:
			adamKernel(w, grads[i].Data().([]float64), a.m[i].Data().([]float64), a.v[i].Data().([]float64), a, bc1, bc2)
		}
	}
	return nil
}

func adamKernel[T float](w, g, m, v []T, a *adam, bc1, bc2 float64) {
	b1, b2 := T(a.beta1), T(a.beta2)
	stepSize := T(a.lr / bc1)
	sqrtBC2 := T(math.Sqrt(bc2))
	eps := T(a.eps)
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i := range w {
		gi := g[i]
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		w[i] -= stepSize * m[i] / (T(math.Sqrt(float64(v[i])))/sqrtBC2 + eps)
	}
}
