package gan

import (
	"fmt"
	"reflect"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// gradOfGrad differentiates cost w.r.t. wrt on a graph that already holds the
// result of an earlier G.Grad call (here: the gradient of the critic w.r.t.
// its input, inside the gradient penalty).
//
// gorgonia v0.9.18's Backpropagate records each differentiated node's
// gradient in the unexported Node.deriv field and, on any later call, treats
// a node with deriv set as already done: it adds that stale gradient and
// does not backpropagate through the node. For a second Grad on the same
// graph this is wrong wherever the first gradient depends smoothly on a
// forward node (tanh, softplus, layer norm, the penalty's own square root):
// the result is silently incorrect. Clearing deriv on every node before the
// second call gives the correct second-order gradient; the field is found by
// name and a missing field is reported as an error, not ignored.
func gradOfGrad(g *G.ExprGraph, cost *G.Node, wrt ...*G.Node) (G.Nodes, error) {
	for _, n := range g.AllNodes() {
		if err := clearDeriv(n); err != nil {
			return nil, err
		}
	}
	return G.Grad(cost, wrt...)
}

func clearDeriv(n *G.Node) error {
	f := reflect.ValueOf(n).Elem().FieldByName("deriv")
	if !f.IsValid() || f.Type() != reflect.TypeOf(n) {
		return fmt.Errorf("gan: gorgonia.Node has no field deriv of type *Node; the second-order workaround needs updating for this gorgonia version")
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.Zero(f.Type()))
	return nil
}
