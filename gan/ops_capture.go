package gan

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// captureOp copies its input into a host tensor when the program reaches it.
//
// Reading node.Value() after TapeMachine.RunAll is not reliable for a node
// that other ops consume: the machine reuses registers, and a later op may
// overwrite the value in place (the gradient-norm node read back twice its
// value that way). A capture node copies the value at the point where it is
// computed, into memory the machine does not own. It returns a scalar zero,
// so nothing downstream can alias dst. Add captures after all Grad calls:
// they are not differentiable.
type captureOp struct {
	dst  *tensor.Dense
	dims int
}

// capture adds a node that copies n's value into dst on every run.
func capture(n *G.Node, dst *tensor.Dense) error {
	if n.Shape().TotalSize() != dst.Shape().TotalSize() {
		return fmt.Errorf("gan: capture of %v into %v: sizes differ", n.Shape(), dst.Shape())
	}
	_, err := G.ApplyOp(captureOp{dst: dst, dims: n.Dims()}, n)
	return err
}

func (op captureOp) Arity() int { return 1 }
func (op captureOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	if op.dims == 0 {
		return hm.NewFnType(a, a)
	}
	return hm.NewFnType(G.TensorType{Dims: op.dims, Of: a}, a)
}
func (op captureOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }
func (op captureOp) Do(in ...G.Value) (G.Value, error) {
	switch dst := op.dst.Data().(type) {
	case []float32:
		switch v := in[0].Data().(type) {
		case []float32:
			copy(dst, v)
		case float32:
			dst[0] = v
		default:
			return nil, fmt.Errorf("gan: capture of %T into float32", v)
		}
		return G.NewF32(0), nil
	case []float64:
		switch v := in[0].Data().(type) {
		case []float64:
			copy(dst, v)
		case float64:
			dst[0] = v
		default:
			return nil, fmt.Errorf("gan: capture of %T into float64", v)
		}
		return G.NewF64(0), nil
	}
	return nil, fmt.Errorf("gan: capture into %v", op.dst.Dtype())
}
func (op captureOp) ReturnsPtr() bool      { return false }
func (op captureOp) CallsExtern() bool     { return false }
func (op captureOp) OverwritesInput() int  { return -1 }
func (op captureOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gan.capture(%p)", op.dst) }
func (op captureOp) Hashcode() uint32      { return opHash(op) }
func (op captureOp) String() string        { return fmt.Sprintf("Capture(%p)", op.dst) }

// newMachine returns a TapeMachine for the part of g that the capture nodes
// need. G.NewTapeMachine(g) would compile every node, and gorgonia's Grad
// leaves nodes no result uses: the first Grad of the gradient penalty
// (w.r.t. x̂) also builds the critic weights' first-order gradients, and
// the generator graph the critic's — a matmul per layer that nothing reads.
// The results are the capture nodes, so their ancestors are the program.
// With an arena, the nodes' output buffers are planned into it
// (planBuffers).
func newMachine(g *G.ExprGraph, arena *bufArena, dt tensor.Dtype) (G.VM, error) {
	var roots G.Nodes
	for _, n := range g.AllNodes() {
		if _, ok := n.Op().(captureOp); ok {
			roots = append(roots, n)
		}
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("gan: graph has no capture nodes")
	}
	sub := g.ExactSubgraphRoots(roots...)
	if arena != nil {
		if err := planBuffers(sub, arena, dt); err != nil {
			return nil, err
		}
	}
	return G.NewTapeMachine(sub), nil
}
