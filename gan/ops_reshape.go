package gan

import (
	"fmt"
	"hash"
	"slices"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// reshapeOp returns a copy of its input with a new shape. gorgonia's
// Reshape returns a view that shares the input's memory and, when run
// "unsafe", reshapes the input value in place; in graphs with second-order
// gradients that gave wrong layer-norm gradients (see TestCriticGradFiniteDiff).
// A copy costs one pass over the data, small next to the matmuls.
type reshapeOp struct {
	from, to tensor.Shape
	buf      *outBuf
}

var _ G.SDOp = reshapeOp{}

// reshape returns x reshaped to the given shape (same total size), copied.
func reshape(x *G.Node, to ...int) (*G.Node, error) {
	from := x.Shape().Clone()
	t := tensor.Shape(to).Clone()
	if from.TotalSize() != t.TotalSize() {
		return nil, fmt.Errorf("gan: cannot reshape %v to %v", from, t)
	}
	if slices.Equal(from, t) {
		return x, nil
	}
	return G.ApplyOp(reshapeOp{from: from, to: t, buf: newBuf()}, x)
}

func (op reshapeOp) Arity() int { return 1 }
func (op reshapeOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: op.from.Dims(), Of: a}, G.TensorType{Dims: op.to.Dims(), Of: a})
}
func (op reshapeOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.to.Clone(), nil }
func (op reshapeOp) Do(in ...G.Value) (G.Value, error) {
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), op.to...), in...)
}
func (op reshapeOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	if in[0].Shape().TotalSize() != op.to.TotalSize() {
		return nil, fmt.Errorf("gan: reshape input shape %v, want %v", in[0].Shape(), op.from)
	}
	prealloc, err := setShape(prealloc, op.to...)
	if err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		copy(prealloc.Data().([]float32), x)
	case []float64:
		copy(prealloc.Data().([]float64), x)
	default:
		return nil, fmt.Errorf("gan: reshape supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (op reshapeOp) ReturnsPtr() bool     { return false }
func (op reshapeOp) CallsExtern() bool    { return false }
func (op reshapeOp) OverwritesInput() int { return -1 }
func (op reshapeOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "gan.reshape(%v->%v,%p)", op.from, op.to, op.buf)
}
func (op reshapeOp) Hashcode() uint32   { return opHash(op) }
func (op reshapeOp) String() string     { return fmt.Sprintf("ReshapeCopy%v", op.to) }
func (op reshapeOp) DiffWRT(int) []bool { return []bool{true} }
func (op reshapeOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(reshapeOp{from: op.to, to: op.from, buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: reshape derivative: %w", err)
	}
	return G.Nodes{d}, nil
}
