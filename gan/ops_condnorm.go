package gan

import (
	"errors"
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// condNormOp is the generator's conditional layer norm fused into one op:
// for x of shape (B*S, C) (S pixels of C channels per sample), per-sample
// gain g (B, C) and bias β (B, C),
//
//	n = (x - μ_b) / σ_b,  μ_b, σ_b² = mean and biased variance of sample b over S·C values,
//	σ_b = sqrt(σ_b² + normEps),  y = n ⊙ g[b, c] + β[b, c].
//
// Built from gorgonia primitives the same computation materialises several
// broadcast copies per layer. The derivatives are three ops (one per input):
//
//	dβ[b,c] = Σ_s dy,  dg[b,c] = Σ_s dy ⊙ n,
//	dx = (dn - mean(dn) - n ⊙ mean(dn ⊙ n)) / σ_b  with dn = dy ⊙ g.
//
// They are first-order only (their SymDiff returns an error), which is all
// the generator needs; the critic's layer norm is built from primitives and
// is differentiable twice.
type condNormOp struct {
	b, s, c int
	buf     *outBuf
}

// condNormGradOp computes the derivative w.r.t. input `which` (0: x, 1: g,
// 2: β) from (x, g, dy).
type condNormGradOp struct {
	b, s, c int
	which   int
	buf     *outBuf
}

var (
	_ G.SDOp = condNormOp{}
	_ G.SDOp = condNormGradOp{}
)

// condNorm applies condNormOp to x, the b samples' S pixels of C channels as
// rows (B*S, C), with gain and bias (B, C); the result has x's shape.
func condNorm(x *G.Node, b int, gain, bias *G.Node) (*G.Node, error) {
	sh := x.Shape()
	if len(sh) != 2 || b < 1 || sh[0]%b != 0 {
		return nil, fmt.Errorf("gan: conditional norm input %v is not (B*S, C) rows of %d samples", sh, b)
	}
	return G.ApplyOp(condNormOp{b: b, s: sh[0] / b, c: sh[1], buf: newBuf()}, x, gain, bias)
}

func (op condNormOp) Arity() int { return 3 }
func (op condNormOp) Type() hm.Type {
	t2 := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t2, t2, t2, t2)
}
func (op condNormOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.b * op.s, op.c}, nil
}
func (op condNormOp) Do(in ...G.Value) (G.Value, error) {
	if err := op.check(in); err != nil {
		return nil, err
	}
	out := op.buf.get(in[0].Dtype(), op.b*op.s, op.c)
	switch x := in[0].Data().(type) {
	case []float32:
		condNormKernel(x, in[1].Data().([]float32), in[2].Data().([]float32), out.Data().([]float32), op.b, op.s*op.c, op.c)
	case []float64:
		condNormKernel(x, in[1].Data().([]float64), in[2].Data().([]float64), out.Data().([]float64), op.b, op.s*op.c, op.c)
	default:
		return nil, fmt.Errorf("gan: conditional norm supports float32 and float64, got %v", in[0].Dtype())
	}
	return out, nil
}
func (op condNormOp) check(in []G.Value) error {
	if len(in) != 3 || in[0].Shape().TotalSize() != op.b*op.s*op.c ||
		in[1].Shape().TotalSize() != op.b*op.c || in[2].Shape().TotalSize() != op.b*op.c {
		return fmt.Errorf("gan: conditional norm inputs do not match (B, S, C) = (%d, %d, %d)", op.b, op.s, op.c)
	}
	return nil
}
func (op condNormOp) ReturnsPtr() bool     { return false }
func (op condNormOp) CallsExtern() bool    { return false }
func (op condNormOp) OverwritesInput() int { return -1 }
func (op condNormOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.condnorm(%d,%d,%d,%p)", op.b, op.s, op.c, op.buf)
}
func (op condNormOp) Hashcode() uint32   { return opHash(op) }
func (op condNormOp) String() string     { return fmt.Sprintf("CondLayerNorm(%d,%d,%d)", op.b, op.s, op.c) }
func (op condNormOp) DiffWRT(int) []bool { return []bool{true, true, true} }
func (op condNormOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, 3)
	for i := range out {
		var err error
		out[i], err = G.ApplyOp(condNormGradOp{b: op.b, s: op.s, c: op.c, which: i, buf: newBuf()}, inputs[0], inputs[1], grad)
		if err != nil {
			return nil, fmt.Errorf("gan: conditional norm derivative: %w", err)
		}
	}
	return out, nil
}

func (op condNormGradOp) Arity() int { return 3 }
func (op condNormGradOp) Type() hm.Type {
	t2 := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t2, t2, t2, t2)
}
func (op condNormGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.which == 0 {
		return tensor.Shape{op.b * op.s, op.c}, nil
	}
	return tensor.Shape{op.b, op.c}, nil
}
func (op condNormGradOp) Do(in ...G.Value) (G.Value, error) {
	if err := (condNormOp{b: op.b, s: op.s, c: op.c}).check([]G.Value{in[0], in[1], in[1]}); err != nil || in[2].Shape().TotalSize() != op.b*op.s*op.c {
		return nil, fmt.Errorf("gan: conditional norm derivative inputs do not match (B, S, C) = (%d, %d, %d)", op.b, op.s, op.c)
	}
	s, _ := op.InferShape()
	out := op.buf.get(in[0].Dtype(), s...)
	switch x := in[0].Data().(type) {
	case []float32:
		condNormGradKernel(x, in[1].Data().([]float32), in[2].Data().([]float32), out.Data().([]float32), op.b, op.s*op.c, op.c, op.which)
	case []float64:
		condNormGradKernel(x, in[1].Data().([]float64), in[2].Data().([]float64), out.Data().([]float64), op.b, op.s*op.c, op.c, op.which)
	default:
		return nil, fmt.Errorf("gan: conditional norm supports float32 and float64, got %v", in[0].Dtype())
	}
	return out, nil
}
func (op condNormGradOp) ReturnsPtr() bool     { return false }
func (op condNormGradOp) CallsExtern() bool    { return false }
func (op condNormGradOp) OverwritesInput() int { return -1 }
func (op condNormGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.condnormgrad(%d,%d,%d,%d,%p)", op.b, op.s, op.c, op.which, op.buf)
}
func (op condNormGradOp) Hashcode() uint32   { return opHash(op) }
func (op condNormGradOp) String() string     { return fmt.Sprintf("CondLayerNormGrad%d", op.which) }
func (op condNormGradOp) DiffWRT(int) []bool { return []bool{true, true, true} }
func (op condNormGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("gan: the fused conditional layer norm is differentiable once only (use it in the generator, not the critic)")
}

// normStats returns the mean and 1/σ of v (biased variance + normEps),
// accumulated in float64.
//
// Each sum runs in four interleaved partial sums: one running sum waits
// for the previous addition (about 4 cycles an element), and was a tenth
// of the generator's sampling time.
func normStats[T float](v []T) (mean, inv float64) {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		w := v[i : i+4 : i+4]
		s0 += float64(w[0])
		s1 += float64(w[1])
		s2 += float64(w[2])
		s3 += float64(w[3])
	}
	for ; i < len(v); i++ {
		s0 += float64(v[i])
	}
	mean = ((s0 + s1) + (s2 + s3)) / float64(len(v))
	var q0, q1, q2, q3 float64
	i = 0
	for ; i+4 <= len(v); i += 4 {
		w := v[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(w[0])-mean, float64(w[1])-mean, float64(w[2])-mean, float64(w[3])-mean
		q0 += d0 * d0
		q1 += d1 * d1
		q2 += d2 * d2
		q3 += d3 * d3
	}
	for ; i < len(v); i++ {
		d := float64(v[i]) - mean
		q0 += d * d
	}
	ss := (q0 + q1) + (q2 + q3)
	return mean, 1 / math.Sqrt(ss/float64(len(v))+normEps)
}

func condNormKernel[T float](x, g, beta, out []T, b, n, c int) {
	parallelFor(b, n, func(i int) {
		xs, os := x[i*n:(i+1)*n], out[i*n:(i+1)*n]
		gs, bs := g[i*c:(i+1)*c], beta[i*c:(i+1)*c]
		mean, inv := normStats(xs)
		m, iv := T(mean), T(inv)
		for j := 0; j < n; j += c {
			for k := 0; k < c; k++ {
				os[j+k] = (xs[j+k]-m)*iv*gs[k] + bs[k]
			}
		}
	})
}

func condNormGradKernel[T float](x, g, dy, out []T, b, n, c, which int) {
	parallelFor(b, n, func(i int) {
		xs, dys := x[i*n:(i+1)*n], dy[i*n:(i+1)*n]
		gs := g[i*c : (i+1)*c]
		mean, inv := normStats(xs)
		m, iv := T(mean), T(inv)
		switch which {
		case 1, 2:
			o := out[i*c : (i+1)*c]
			clear(o)
			for j := 0; j < n; j += c {
				for k := 0; k < c; k++ {
					if which == 1 {
						o[k] += dys[j+k] * (xs[j+k] - m) * iv
					} else {
						o[k] += dys[j+k]
					}
				}
			}
		case 0:
			var sdn, sdnn float64 // Σ dn, Σ dn ⊙ n
			for j := 0; j < n; j += c {
				for k := 0; k < c; k++ {
					dn := float64(dys[j+k] * gs[k])
					sdn += dn
					sdnn += dn * float64((xs[j+k]-m)*iv)
				}
			}
			mdn, mdnn := T(sdn/float64(n)), T(sdnn/float64(n))
			o := out[i*n : (i+1)*n]
			for j := 0; j < n; j += c {
				for k := 0; k < c; k++ {
					nv := (xs[j+k] - m) * iv
					o[j+k] = (dys[j+k]*gs[k] - mdn - nv*mdnn) * iv
				}
			}
		}
	})
}
