package gan

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"

	"github.com/tailsynth/tailsynth/internal/sgemm"
	"gorgonia.org/tensor"
)

// matMulOp is C = op(A)·op(B) for matrices, op(X) = X or Xᵀ: in float32 on
// the packed GEMM of internal/sgemm (AVX-512 or AVX2/FMA) where the CPU
// has one (the default, pure-Go build), else on the BLAS that gorgonia uses (G.WhichBLAS:
// gonum's pure-Go one, or OpenBLAS with -tags openblas).
//
// gorgonia's own matrix product is marked as calling an extern, so its
// TapeMachine allocates a fresh output for it on every run (Reset drops
// all registers): about 90 MB of garbage per critic update of the base-64
// 28x28 net, which cost time in malloc, memclr and the collector, and kept
// the heap about twice its live size. This op writes into a buffer it owns
// (outBuf), allocated once.
//
// Its derivatives are matMulOps again (with transposes), so it can be
// differentiated to any order, as the gradient penalty needs:
//
//	C = A·B:   dA = G·Bᵀ,  dB = Aᵀ·G
//	C = A·Bᵀ:  dA = G·B,   dB = Gᵀ·A
//	C = Aᵀ·B:  dA = B·Gᵀ,  dB = A·G
//	C = Aᵀ·Bᵀ: dA = Bᵀ·Gᵀ, dB = Gᵀ·Aᵀ
type matMulOp struct {
	ta, tb bool
	buf    *outBuf
}

var _ G.SDOp = matMulOp{}

// matmul returns op(a)·op(b) for matrices a and b.
func matmul(a, b *G.Node, ta, tb bool) (*G.Node, error) {
	if a.Dims() != 2 || b.Dims() != 2 {
		return nil, fmt.Errorf("gan: matmul of shapes %v and %v: both must be matrices", a.Shape(), b.Shape())
	}
	return G.ApplyOp(matMulOp{ta: ta, tb: tb, buf: newBuf()}, a, b)
}

// dims returns m, k of op(A) and k2, n of op(B).
func (op matMulOp) dims(a, b tensor.Shape) (m, k, k2, n int) {
	m, k = a[0], a[1]
	if op.ta {
		m, k = k, m
	}
	k2, n = b[0], b[1]
	if op.tb {
		k2, n = n, k2
	}
	return m, k, k2, n
}

func (op matMulOp) Arity() int { return 2 }
func (op matMulOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op matMulOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("gan: matmul takes 2 inputs, got %d", len(in))
	}
	a, ok1 := in[0].(tensor.Shape)
	b, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || len(a) != 2 || len(b) != 2 {
		return nil, fmt.Errorf("gan: matmul wants two matrix shapes, got %v and %v", in[0], in[1])
	}
	m, k, k2, n := op.dims(a, b)
	if k != k2 {
		return nil, fmt.Errorf("gan: matmul %s of shapes %v and %v: inner sizes %d and %d differ", op, a, b, k, k2)
	}
	return tensor.Shape{m, n}, nil
}
func (op matMulOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("gan: matmul takes 2 inputs, got %d", len(in))
	}
	s, err := op.InferShape(in[0].Shape(), in[1].Shape())
	if err != nil {
		return nil, err
	}
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), s...), in...)
}
func (op matMulOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	as, bs := in[0].Shape(), in[1].Shape()
	m, k, k2, n := op.dims(as, bs)
	if k != k2 {
		return nil, fmt.Errorf("gan: matmul %s of shapes %v and %v: inner sizes %d and %d differ", op, as, bs, k, k2)
	}
	out, err := setShape(prealloc, m, n)
	if err != nil {
		return nil, err
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if op.ta {
		ta = blas.Trans
	}
	if op.tb {
		tb = blas.Trans
	}
	impl := G.WhichBLAS()
	switch a := in[0].Data().(type) {
	case []float32:
		b, ok := in[1].Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("gan: matmul of %v and %v", in[0].Dtype(), in[1].Dtype())
		}
		if useGEMMKernel {
			sgemm.Mul(op.ta, op.tb, m, n, k, a, as[1], b, bs[1], out.Data().([]float32), n)
		} else {
			impl.Sgemm(ta, tb, m, n, k, 1, a, as[1], b, bs[1], 0, out.Data().([]float32), n)
		}
	case []float64:
		b, ok := in[1].Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("gan: matmul of %v and %v", in[0].Dtype(), in[1].Dtype())
		}
		impl.Dgemm(ta, tb, m, n, k, 1, a, as[1], b, bs[1], 0, out.Data().([]float64), n)
	default:
		return nil, fmt.Errorf("gan: matmul supports float32 and float64, got %v", in[0].Dtype())
	}
	return out, nil
}
func (op matMulOp) ReturnsPtr() bool     { return false }
func (op matMulOp) CallsExtern() bool    { return false }
func (op matMulOp) OverwritesInput() int { return -1 }
func (op matMulOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.matmul(%v,%v,%p)", op.ta, op.tb, op.buf)
}
func (op matMulOp) Hashcode() uint32 { return opHash(op) }
func (op matMulOp) String() string {
	t := func(b bool) string {
		if b {
			return "ᵀ"
		}
		return ""
	}
	return fmt.Sprintf("A%s×B%s", t(op.ta), t(op.tb))
}
func (op matMulOp) DiffWRT(int) []bool { return []bool{true, true} }
func (op matMulOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	a, b := inputs[0], inputs[1]
	var da, db *G.Node
	var err error
	switch {
	case !op.ta && !op.tb:
		if da, err = matmul(grad, b, false, true); err == nil {
			db, err = matmul(a, grad, true, false)
		}
	case !op.ta && op.tb:
		if da, err = matmul(grad, b, false, false); err == nil {
			db, err = matmul(grad, a, true, false)
		}
	case op.ta && !op.tb:
		if da, err = matmul(b, grad, false, true); err == nil {
			db, err = matmul(a, grad, false, false)
		}
	default:
		if da, err = matmul(b, grad, true, true); err == nil {
			db, err = matmul(grad, a, true, true)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("gan: matmul derivative: %w", err)
	}
	return G.Nodes{da, db}, nil
}
