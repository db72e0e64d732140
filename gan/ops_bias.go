package gan

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Broadcasting a (C) vector over the rows of an (N, C) matrix with
// gorgonia's Broadcast* ops materialises an (N, C) copy through Repeat. The
// three small ops below do it in one pass and stay differentiable to any
// order: rowsOp's derivative is colSumOp and colSumOp's is rowsOp.

// biasAddOp computes x + b for x of shape (N, C) and b of shape (C).
type biasAddOp struct{ buf *outBuf }

// colSumOp sums an (N, C) matrix over its rows, giving (C).
type colSumOp struct {
	c   int
	buf *outBuf
}

// rowsOp repeats a (C) vector n times, giving (n, C).
type rowsOp struct {
	n   int
	buf *outBuf
}

var (
	_ G.SDOp = biasAddOp{}
	_ G.SDOp = colSumOp{}
	_ G.SDOp = rowsOp{}
)

// addBias returns x + b with x (N, C) and b (C).
func addBias(x, b *G.Node) (*G.Node, error) {
	xs, bs := x.Shape(), b.Shape()
	if len(xs) != 2 || len(bs) != 1 || xs[1] != bs[0] {
		return nil, fmt.Errorf("gan: bias add wants (N, C) and (C), got %v and %v", xs, bs)
	}
	return G.ApplyOp(biasAddOp{buf: newBuf()}, x, b)
}

func (biasAddOp) Arity() int { return 2 }
func (biasAddOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, G.TensorType{Dims: 1, Of: a}, m)
}
func (biasAddOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 2 {
		return nil, fmt.Errorf("gan: bias add wants a matrix, got %v", in[0])
	}
	return s.Clone(), nil
}
func (op biasAddOp) Do(in ...G.Value) (G.Value, error) {
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), in[0].Shape()...), in...)
}
func (biasAddOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	prealloc, err := setShape(prealloc, in[0].Shape()...)
	if err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		b := in[1].Data().([]float32)
		biasAddKernel(x, b, prealloc.Data().([]float32), len(b))
	case []float64:
		b := in[1].Data().([]float64)
		biasAddKernel(x, b, prealloc.Data().([]float64), len(b))
	default:
		return nil, fmt.Errorf("gan: bias add supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (biasAddOp) ReturnsPtr() bool         { return false }
func (biasAddOp) CallsExtern() bool        { return false }
func (biasAddOp) OverwritesInput() int     { return -1 }
func (op biasAddOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gan.biasadd(%p)", op.buf) }
func (op biasAddOp) Hashcode() uint32      { return opHash(op) }
func (biasAddOp) String() string           { return "BiasAdd" }
func (biasAddOp) DiffWRT(n int) []bool     { return []bool{true, true} }
func (biasAddOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	db, err := G.ApplyOp(colSumOp{c: inputs[1].Shape()[0], buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: bias add derivative: %w", err)
	}
	return G.Nodes{grad, db}, nil
}

func biasAddKernel[T float](x, b, out []T, c int) {
	for i := 0; i+c <= len(x); i += c {
		xr, or := x[i:i+c], out[i:i+c]
		for j, bj := range b[:c] {
			or[j] = xr[j] + bj
		}
	}
}

func (colSumOp) Arity() int { return 1 }
func (colSumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: a})
}
func (op colSumOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 2 {
		return nil, fmt.Errorf("gan: column sum wants a matrix, got %v", in[0])
	}
	return tensor.Shape{op.c}, nil
}
func (op colSumOp) Do(in ...G.Value) (G.Value, error) {
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), op.c), in...)
}
func (op colSumOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	prealloc, err := setShape(prealloc, op.c)
	if err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		colSumKernel(x, prealloc.Data().([]float32))
	case []float64:
		colSumKernel(x, prealloc.Data().([]float64))
	default:
		return nil, fmt.Errorf("gan: column sum supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (colSumOp) ReturnsPtr() bool         { return false }
func (colSumOp) CallsExtern() bool        { return false }
func (colSumOp) OverwritesInput() int     { return -1 }
func (op colSumOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gan.colsum(%d,%p)", op.c, op.buf) }
func (op colSumOp) Hashcode() uint32      { return opHash(op) }
func (colSumOp) String() string           { return "ColSum" }
func (colSumOp) DiffWRT(int) []bool       { return []bool{true} }
func (colSumOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(rowsOp{n: inputs[0].Shape()[0], buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: column sum derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

// colSumKernel sums the rows of x (len(x)/len(out) rows of len(out)) into out.
func colSumKernel[T float](x, out []T) {
	clear(out)
	c := len(out)
	for i := 0; i+c <= len(x); i += c {
		for j, v := range x[i : i+c] {
			out[j] += v
		}
	}
}

func (rowsOp) Arity() int { return 1 }
func (rowsOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 1, Of: a}, G.TensorType{Dims: 2, Of: a})
}
func (op rowsOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 1 {
		return nil, fmt.Errorf("gan: row repeat wants a vector, got %v", in[0])
	}
	return tensor.Shape{op.n, s[0]}, nil
}
func (op rowsOp) Do(in ...G.Value) (G.Value, error) {
	return op.UsePreallocDo(op.buf.get(in[0].Dtype(), op.n, in[0].Shape().TotalSize()), in...)
}
func (op rowsOp) UsePreallocDo(prealloc G.Value, in ...G.Value) (G.Value, error) {
	prealloc, err := setShape(prealloc, op.n, in[0].Shape().TotalSize())
	if err != nil {
		return nil, err
	}
	switch x := in[0].Data().(type) {
	case []float32:
		rowsKernel(x, prealloc.Data().([]float32))
	case []float64:
		rowsKernel(x, prealloc.Data().([]float64))
	default:
		return nil, fmt.Errorf("gan: row repeat supports float32 and float64, got %v", in[0].Dtype())
	}
	return prealloc, nil
}
func (rowsOp) ReturnsPtr() bool         { return false }
func (rowsOp) CallsExtern() bool        { return false }
func (rowsOp) OverwritesInput() int     { return -1 }
func (op rowsOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gan.rows(%d,%p)", op.n, op.buf) }
func (op rowsOp) Hashcode() uint32      { return opHash(op) }
func (op rowsOp) String() string        { return fmt.Sprintf("Rows(%d)", op.n) }
func (rowsOp) DiffWRT(int) []bool       { return []bool{true} }
func (rowsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(colSumOp{c: output.Shape()[1], buf: newBuf()}, grad)
	if err != nil {
		return nil, fmt.Errorf("gan: row repeat derivative: %w", err)
	}
	return G.Nodes{d}, nil
}

func rowsKernel[T float](v, out []T) {
	for i := 0; i+len(v) <= len(out); i += len(v) {
		copy(out[i:], v)
	}
}
