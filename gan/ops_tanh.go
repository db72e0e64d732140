package gan

import (
	"fmt"
	"hash"
	"math"
	"slices"

	"github.com/chewxy/hm"
	"github.com/chewxy/math32"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tanhOp is the generator's output activation y = tanh(x), written into a
// buffer it keeps (G.Tanh allocated its output on every run: 200 KB per
// 64-image batch at 28x28). Its derivative is tanhGradOp(y, grad) = grad ⊙
// (1 - y²), from the output, so the forward value is not recomputed. The
// generator is differentiated once, so tanhGradOp is not differentiable.
type tanhOp struct {
	dims int
	buf  *outBuf
}

// tanhGradOp computes grad ⊙ (1 - y²); inputs are (y, grad).
type tanhGradOp struct {
	dims int
	buf  *outBuf
}

var (
	_ G.SDOp = tanhOp{}
	_ G.SDOp = tanhGradOp{}
)

// tanh applies tanhOp to x.
func tanh(x *G.Node) (*G.Node, error) {
	return G.ApplyOp(tanhOp{dims: x.Dims(), buf: newBuf()}, x)
}

func (op tanhOp) outBuffer() *outBuf     { return op.buf }
func (op tanhGradOp) outBuffer() *outBuf { return op.buf }

func (op tanhOp) Arity() int { return 1 }
func (op tanhOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (op tanhOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if len(in) != 1 || !ok {
		return nil, fmt.Errorf("gan: tanh wants one tensor shape, got %v", in)
	}
	return s.Clone(), nil
}
func (op tanhOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 1 {
		return nil, fmt.Errorf("gan: tanh takes 1 input, got %d", len(in))
	}
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), in[0].Shape()...), in...)
}
func (op tanhOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	prealloc, err := setShape(prealloc, in[0].Shape()...)
	if err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		y := prealloc.Data().([]float32)[:len(x)]
		for i, v := range x {
			y[i] = math32.Tanh(v)
		}
	case []float64:
		y := prealloc.Data().([]float64)[:len(x)]
		for i, v := range x {
			y[i] = math.Tanh(v)
		}
	default:
		return nil, fmt.Errorf("gan: tanh supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (op tanhOp) ReturnsPtr() bool      { return false }
func (op tanhOp) CallsExtern() bool     { return false }
func (op tanhOp) OverwritesInput() int  { return -1 }
func (op tanhOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gan.tanh(%d,%p)", op.dims, op.buf) }
func (op tanhOp) Hashcode() uint32      { return opHash(op) }
func (op tanhOp) String() string        { return "Tanh" }
func (op tanhOp) DiffWRT(int) []bool    { return []bool{true} }
func (op tanhOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(tanhGradOp{dims: op.dims, buf: newBuf()}, output, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: tanh derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

func (op tanhGradOp) Arity() int { return 2 }
func (op tanhGradOp) Type() hm.Type {
	t := G.TensorType{Dims: op.dims, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}
func (op tanhGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("gan: tanh gradient takes 2 inputs, got %d", len(in))
	}
	a, ok1 := in[0].(tensor.Shape)
	b, ok2 := in[1].(tensor.Shape)
	if !ok1 || !ok2 || !slices.Equal(a, b) {
		return nil, fmt.Errorf("gan: tanh gradient wants equal shapes, got %v and %v", in[0], in[1])
	}
	return a.Clone(), nil
}
func (op tanhGradOp) Do(in ...G.Value) (G.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("gan: tanh gradient takes 2 inputs, got %d", len(in))
	}
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), in[0].Shape()...), in...)
}
func (op tanhGradOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	prealloc, err := setShape(prealloc, in[0].Shape()...)
	if err != nil {
		return nil, err
	}
	switch y := in[0].Data().(type) {
	case []float32:
		tanhGradKernel(y, in[1].Data().([]float32), prealloc.Data().([]float32))
	case []float64:
		tanhGradKernel(y, in[1].Data().([]float64), prealloc.Data().([]float64))
	default:
		return nil, fmt.Errorf("gan: tanh gradient supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}

func tanhGradKernel[T float](y, g, out []T) {
	g, out = g[:len(y)], out[:len(y)]
	for i, v := range y {
		out[i] = g[i] * (1 - v*v)
	}
}

func (op tanhGradOp) ReturnsPtr() bool      { return false }
func (op tanhGradOp) CallsExtern() bool     { return false }
func (op tanhGradOp) OverwritesInput() int  { return -1 }
func (op tanhGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gan.tanhgrad(%d,%p)", op.dims, op.buf) }
func (op tanhGradOp) Hashcode() uint32      { return opHash(op) }
func (op tanhGradOp) String() string        { return "TanhGrad" }
func (op tanhGradOp) DiffWRT(int) []bool    { return []bool{false, false} }
func (op tanhGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("gan: tanh is differentiated once only (generator output)")
}
