package gan

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// minParallelWork is the number of elements below which parallelFor runs
// serially: starting goroutines costs more than it saves on small tensors.
const minParallelWork = 1 << 15

// parallelFor calls fn(i) for i in [0, n), splitting the range over up to
// GOMAXPROCS goroutines when n*workPerItem is large. fn must only write data
// owned by item i, so results do not depend on the schedule.
func parallelFor(n, workPerItem int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 || n*workPerItem < minParallelWork {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}(lo, hi)
	}
	wg.Wait()
}

// setShape gives a preallocated output value the shape s. gorgonia's
// TapeMachine reuses a register for values of the same size but different
// shapes, so UsePreallocDo must not trust the prealloc's shape.
func setShape(v G.Value, s ...int) (*tensor.Dense, error) {
	t, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("gan: preallocated value is %T, want *tensor.Dense", v)
	}
	if t.Shape().TotalSize() != tensor.Shape(s).TotalSize() {
		return nil, fmt.Errorf("gan: preallocated value of shape %v cannot hold %v", t.Shape(), s)
	}
	if !slices.Equal(t.Shape(), s) {
		if err := t.Reshape(s...); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// outBuf is an op node's output buffer, kept across runs of a program.
//
// gorgonia's TapeMachine.Reset drops every register, so an op that
// allocated its output in Do allocated it again on every training step
// (hundreds of MB per critic step, and the page faults of touching fresh
// memory). Each node built by this package owns one outBuf and writes its
// output there on every run. This is safe because a graph runs on one
// machine, sequentially, each node once per run, and nothing keeps a value
// from one run to the next: results leave through capture ops, which copy.
//
// An outBuf may be bound to a slot of a bufArena (see planBuffers): then its
// memory is shared with other nodes whose values are never alive at the same
// time.
type outBuf struct {
	t    *tensor.Dense
	slot *arenaSlot
	gen  int // slot.gen that t was built on
}

func newBuf() *outBuf { return &outBuf{} }

// get returns the buffer with the given dtype and shape, reallocating only
// when the size or dtype changes.
func (b *outBuf) get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	size := tensor.Shape(shape).TotalSize()
	if b.slot != nil && b.slot.dt == dt {
		if b.slot.ensure(size) || b.t == nil || b.gen != b.slot.gen || b.t.Shape().TotalSize() != size {
			b.t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(b.slot.backing(size)))
			b.gen = b.slot.gen
			return b.t
		}
	} else if b.t == nil || b.t.Dtype() != dt || b.t.Shape().TotalSize() != size {
		b.t = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
		return b.t
	}
	if !slices.Equal(b.t.Shape(), shape) {
		if err := b.t.Reshape(shape...); err != nil {
			b.t = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
			b.slot = nil
		}
	}
	return b.t
}
