package tabgan

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// The networks are small MLPs with hand-written forward and backward passes
// in float64 over flat parameter vectors (one per network, which Adam and
// the model file treat as a whole). The critic is piecewise linear in its
// input (linear layers, LeakyReLU, dropout), so the gradient of its gradient
// penalty w.r.t. the weights is exact with the activation and dropout
// patterns held fixed; TestGradients checks every gradient against finite
// differences.

// layer is a dense layer x·W + b inside a flat parameter vector: W (in x out,
// row-major) at off, b (out) right after it.
type layer struct{ in, out, off int }

func (l layer) w(p []float64) []float64 { return p[l.off : l.off+l.in*l.out] }
func (l layer) b(p []float64) []float64 { return p[l.off+l.in*l.out : l.off+l.in*l.out+l.out] }
func (l layer) size() int               { return l.in*l.out + l.out }

// initLayers fills p as PyTorch's nn.Linear does: W and b uniform in
// ±1/sqrt(in).
func initLayers(p []float64, ls []layer, rng *rand.Rand) {
	for _, l := range ls {
		bound := 1 / math.Sqrt(float64(l.in))
		for i := range l.in*l.out + l.out {
			p[l.off+i] = (2*rng.Float64() - 1) * bound
		}
	}
}

// gemm computes c = alpha·op(a)·op(b) + beta·c, with op(a) m x k and op(b)
// k x n, all row-major.
func gemm(ta, tb bool, m, n, k int, a, b []float64, beta float64, c []float64) {
	if m == 0 || n == 0 {
		return
	}
	tA, tB, lda, ldb := blas.NoTrans, blas.NoTrans, k, n
	if ta {
		tA, lda = blas.Trans, m
	}
	if tb {
		tB, ldb = blas.Trans, k
	}
	if k == 0 {
		for i := range c[:m*n] {
			c[i] *= beta
		}
		return
	}
	blas64.Implementation().Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, n)
}

// forward computes y = x·W + b for x (rows x l.in).
func (l layer) forward(p, x []float64, rows int, y []float64) {
	b := l.b(p)
	for i := range rows {
		copy(y[i*l.out:(i+1)*l.out], b)
	}
	gemm(false, false, rows, l.out, l.in, x, l.w(p), 1, y)
}

// backward accumulates dW += xᵀ·dy and db += Σ dy into g, and, with dx
// non-nil, sets dx = dy·Wᵀ.
func (l layer) backward(p, g, x, dy []float64, rows int, dx []float64) {
	if g != nil {
		gemm(true, false, l.in, l.out, rows, x, dy, 1, l.w(g))
		gb := l.b(g)
		for i := range rows {
			for j, v := range dy[i*l.out : (i+1)*l.out] {
				gb[j] += v
			}
		}
	}
	if dx != nil {
		gemm(false, true, rows, l.in, l.out, dy, l.w(p), 0, dx)
	}
}

// genNet is CTGAN's generator without its batch norm: residual blocks
// x_{i+1} = [ReLU(x_i·W_i + b_i), x_i] on x_0 = [z, cond, label], then a
// linear layer to the data's features (activations are applied outside).
type genNet struct {
	in, out int
	layers  []layer // residual blocks, then the output layer
	size    int
}

func newGenNet(in int, hidden []int, out int) *genNet {
	g := &genNet{in: in, out: out}
	w := in
	for _, h := range hidden {
		g.layers = append(g.layers, layer{in: w, out: h, off: g.size})
		g.size += g.layers[len(g.layers)-1].size()
		w += h
	}
	g.layers = append(g.layers, layer{in: w, out: out, off: g.size})
	g.size += g.layers[len(g.layers)-1].size()
	return g
}

// genPass holds a generator forward pass: xs[i] is the input of layer i.
type genPass struct {
	rows int
	xs   [][]float64
	out  []float64
}

func (g *genNet) forward(p, x0 []float64, rows int) *genPass {
	gp := &genPass{rows: rows, xs: [][]float64{x0}}
	x := x0
	for _, l := range g.layers[:len(g.layers)-1] {
		h := make([]float64, rows*l.out)
		l.forward(p, x, rows, h)
		nx := make([]float64, rows*(l.out+l.in))
		for i := range rows {
			row := nx[i*(l.out+l.in):]
			for j, v := range h[i*l.out : (i+1)*l.out] {
				row[j] = max(v, 0)
			}
			copy(row[l.out:l.out+l.in], x[i*l.in:(i+1)*l.in])
		}
		gp.xs = append(gp.xs, nx)
		x = nx
	}
	last := g.layers[len(g.layers)-1]
	gp.out = make([]float64, rows*last.out)
	last.forward(p, x, rows, gp.out)
	return gp
}

// backward accumulates into grad the gradient of a loss whose gradient
// w.r.t. the output is dOut.
func (g *genNet) backward(p, grad []float64, gp *genPass, dOut []float64) {
	rows := gp.rows
	n := len(g.layers)
	last := g.layers[n-1]
	dx := make([]float64, rows*last.in)
	last.backward(p, grad, gp.xs[n-1], dOut, rows, dx)
	for i := n - 2; i >= 0; i-- {
		l := g.layers[i]
		// xs[i+1] = [ReLU(h), xs[i]]: split dx into the ReLU part and the skip part.
		dh := make([]float64, rows*l.out)
		skip := make([]float64, rows*l.in)
		for r := range rows {
			src := dx[r*(l.out+l.in):]
			act := gp.xs[i+1][r*(l.out+l.in):]
			for j := range l.out {
				if act[j] > 0 {
					dh[r*l.out+j] = src[j]
				}
			}
			copy(skip[r*l.in:(r+1)*l.in], src[l.out:l.out+l.in])
		}
		var dxi []float64
		if i > 0 {
			dxi = make([]float64, rows*l.in)
		}
		l.backward(p, grad, gp.xs[i], dh, rows, dxi)
		if i > 0 {
			for k := range dxi {
				dxi[k] += skip[k]
			}
			dx = dxi
		}
	}
}

// criticNet is CTGAN's discriminator: on packs of pac rows side by side,
// [Linear -> LeakyReLU(0.2) -> Dropout] per hidden width, then Linear to 1.
type criticNet struct {
	in      int // pac x row width
	slope   float64
	dropout float64
	layers  []layer
	size    int
}

func newCriticNet(in int, hidden []int, slope, dropout float64) *criticNet {
	c := &criticNet{in: in, slope: slope, dropout: dropout}
	w := in
	for _, h := range append(append([]int(nil), hidden...), 1) {
		c.layers = append(c.layers, layer{in: w, out: h, off: c.size})
		c.size += c.layers[len(c.layers)-1].size()
		w = h
	}
	return c
}

// criticPass holds a critic forward pass on rows packs: as[i] is the input
// of layer i, fs[i] the derivative of hidden layer i's output (activation
// and dropout) w.r.t. its pre-activation, elementwise.
type criticPass struct {
	rows int
	as   [][]float64
	fs   [][]float64
	out  []float64
}

// forward runs the critic; dropout masks are drawn from rng (nil: none).
func (c *criticNet) forward(p, x []float64, rows int, rng *rand.Rand) *criticPass {
	cp := &criticPass{rows: rows, as: [][]float64{x}}
	a := x
	keep := 1 / (1 - c.dropout)
	for i, l := range c.layers {
		h := make([]float64, rows*l.out)
		l.forward(p, a, rows, h)
		if i == len(c.layers)-1 {
			cp.out = h
			break
		}
		f := make([]float64, len(h))
		for k, v := range h {
			s := 1.0
			if v < 0 {
				s = c.slope
			}
			if rng != nil && c.dropout > 0 {
				if rng.Float64() < c.dropout {
					s = 0
				} else {
					s *= keep
				}
			}
			f[k] = s
			h[k] = v * s
		}
		cp.fs = append(cp.fs, f)
		cp.as = append(cp.as, h)
		a = h
	}
	return cp
}

// backward accumulates into grad (nil: skip) the gradient of a loss whose
// gradient w.r.t. the outputs is dOut, and returns the gradient w.r.t. the
// input when wantInput is set.
func (c *criticNet) backward(p, grad []float64, cp *criticPass, dOut []float64, wantInput bool) []float64 {
	rows := cp.rows
	d := dOut
	for i := len(c.layers) - 1; i >= 0; i-- {
		l := c.layers[i]
		var dx []float64
		if i > 0 || wantInput {
			dx = make([]float64, rows*l.in)
		}
		l.backward(p, grad, cp.as[i], d, rows, dx)
		if i > 0 {
			for k, f := range cp.fs[i-1] {
				dx[k] *= f
			}
		}
		d = dx
	}
	return d
}

// penalty returns λ·mean_n (‖∇_x D(x_n)‖ − 1)² over the rows of cp (a
// forward pass on the interpolates) and accumulates its gradient w.r.t. the
// weights into grad. With the activation and dropout patterns fixed, ∇_x D
// is the chain w_L ⊙ f_{L-1} · W_{L-1}ᵀ ⊙ ... · W_1ᵀ (gs below), linear in
// each weight matrix, and the penalty is differentiated back along it.
func (c *criticNet) penalty(p, grad []float64, cp *criticPass, lambda float64) (pen, meanNorm float64) {
	rows := cp.rows
	ones := make([]float64, rows)
	for i := range ones {
		ones[i] = 1
	}
	// gs[i] = ∂(Σ D)/∂(pre-activation of layer i), rows x out_i.
	L := len(c.layers)
	gs := make([][]float64, L)
	gs[L-1] = ones
	for i := L - 1; i > 0; i-- {
		l := c.layers[i]
		dx := make([]float64, rows*l.in)
		gemm(false, true, rows, l.in, l.out, gs[i], l.w(p), 0, dx)
		for k, f := range cp.fs[i-1] {
			dx[k] *= f
		}
		gs[i-1] = dx
	}
	l0 := c.layers[0]
	gx := make([]float64, rows*l0.in)
	gemm(false, true, rows, l0.in, l0.out, gs[0], l0.w(p), 0, gx)
	// R = ∂pen/∂gx.
	q := make([]float64, len(gx))
	for r := range rows {
		row := gx[r*l0.in : (r+1)*l0.in]
		ss := 0.0
		for _, v := range row {
			ss += v * v
		}
		norm := math.Sqrt(ss + gpEps)
		meanNorm += norm / float64(rows)
		pen += lambda * (norm - 1) * (norm - 1) / float64(rows)
		k := lambda * 2 * (norm - 1) / norm / float64(rows)
		for j, v := range row {
			q[r*l0.in+j] = k * v
		}
	}
	if grad == nil {
		return pen, meanNorm
	}
	// gx = gs[0]·W_0ᵀ; gs[i-1] = (gs[i]·W_iᵀ) ⊙ f_{i-1}; gs[L-1] = 1 (so
	// w_{L-1}, the output layer's weights, enter as gs[L-2] = wᵀ ⊙ f).
	for i := 0; i < L; i++ {
		l := c.layers[i]
		// input-side grad q (rows x in): dW_i += qᵀ·gs[i]; then ∂/∂gs[i] = q·W_i.
		gemm(true, false, l.in, l.out, rows, q, gs[i], 1, l.w(grad))
		if i == L-1 {
			break
		}
		nq := make([]float64, rows*l.out)
		gemm(false, false, rows, l.out, l.in, q, l.w(p), 0, nq)
		for k, f := range cp.fs[i] {
			nq[k] *= f
		}
		q = nq
	}
	return pen, meanNorm
}

// gpEps is added under the square root of the gradient norm so that its
// derivative stays finite at a zero gradient (as in package gan).
const gpEps = 1e-12
