package gan

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// param is one learnable tensor. Its backing slice is shared by the nodes of
// every graph built from the model, so an optimizer step on the slice is seen
// by all of them without copying.
type param struct {
	name string
	t    *tensor.Dense
}

// paramSet is an ordered list of params; the order is the creation order of
// the architecture code and is the order of checkpoints and optimizer state.
type paramSet struct {
	list   []*param
	byName map[string]*param
}

func newParamSet() *paramSet { return &paramSet{byName: map[string]*param{}} }

// size is the total number of scalars in the set.
func (ps *paramSet) size() int {
	n := 0
	for _, p := range ps.list {
		n += p.t.Shape().TotalSize()
	}
	return n
}

// initKind says how a new param is initialised.
type initKind int

const (
	initZeros initKind = iota
	initOnes
	initUniform // U(-bound, bound)
)

type initSpec struct {
	kind  initKind
	bound float64
}

// kaiming returns the He-uniform initialisation for a layer with fanIn inputs
// followed by a (leaky) ReLU of negative slope a: bound = sqrt(6/((1+a²)·fanIn)).
// a = 1 gives LeCun-uniform, sqrt(3/fanIn), for layers with no activation.
func kaiming(fanIn int, a float64) initSpec {
	return initSpec{kind: initUniform, bound: math.Sqrt(6 / ((1 + a*a) * float64(fanIn)))}
}

// netCtx builds one network into one graph. With rng set it creates the
// params it does not find in ps (model construction); without, every param
// must already exist with the same shape (graph construction for training
// and sampling).
type netCtx struct {
	g     *G.ExprGraph
	dt    tensor.Dtype
	ps    *paramSet
	nodes map[string]*G.Node
	rng   *rand.Rand
	used  []*G.Node // param nodes in creation order
}

func newNetCtx(g *G.ExprGraph, dt tensor.Dtype, ps *paramSet, rng *rand.Rand) *netCtx {
	return &netCtx{g: g, dt: dt, ps: ps, nodes: map[string]*G.Node{}, rng: rng}
}

// param returns the graph node of the named param, creating the param when
// building a model.
func (c *netCtx) param(name string, shape tensor.Shape, init initSpec) (*G.Node, error) {
	if n, ok := c.nodes[name]; ok {
		return n, nil
	}
	p, ok := c.ps.byName[name]
	switch {
	case ok && !slices.Equal(p.t.Shape(), shape):
		return nil, fmt.Errorf("gan: param %s has shape %v, the architecture wants %v", name, p.t.Shape(), shape)
	case !ok && c.rng == nil:
		return nil, fmt.Errorf("gan: param %s missing from the model", name)
	case !ok:
		p = &param{name: name, t: newParamTensor(c.dt, shape, init, c.rng)}
		c.ps.list = append(c.ps.list, p)
		c.ps.byName[name] = p
	}
	n := newNode(c.g, c.dt, shape, name, p.t)
	c.nodes[name] = n
	c.used = append(c.used, n)
	return n, nil
}

// newNode makes an input node of the given shape bound to v (nil: unbound).
func newNode(g *G.ExprGraph, dt tensor.Dtype, shape tensor.Shape, name string, v *tensor.Dense) *G.Node {
	opts := []G.NodeConsOpt{G.WithShape(shape...), G.WithName(name)}
	if v != nil {
		opts = append(opts, G.WithValue(v))
	}
	switch len(shape) {
	case 1:
		return G.NewVector(g, dt, opts...)
	case 2:
		return G.NewMatrix(g, dt, opts...)
	default:
		return G.NewTensor(g, dt, len(shape), opts...)
	}
}

func newParamTensor(dt tensor.Dtype, shape tensor.Shape, init initSpec, rng *rand.Rand) *tensor.Dense {
	t := tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
	n := shape.TotalSize()
	vals := make([]float64, n)
	switch init.kind {
	case initOnes:
		for i := range vals {
			vals[i] = 1
		}
	case initUniform:
		for i := range vals {
			vals[i] = (2*rng.Float64() - 1) * init.bound
		}
	}
	switch d := t.Data().(type) {
	case []float32:
		for i, v := range vals {
			d[i] = float32(v)
		}
	case []float64:
		copy(d, vals)
	}
	return t
}

func dtypeOf(d DType) tensor.Dtype {
	if d == Float64 {
		return tensor.Float64
	}
	return tensor.Float32
}
