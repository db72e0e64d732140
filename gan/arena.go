package gan

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bufArena lets the op nodes of a trainer's graphs share output memory.
//
// Every node built by this package writes its value into its own outBuf,
// kept across runs; without sharing, the critic, generator and forward
// graphs together kept about 250 MB of buffers for a base-64 28x28 model,
// most of them dead for most of a run. The graphs of one Trainer run one
// after the other, never concurrently, and a node's value is only needed
// from the moment it is computed until the last node that reads it (or a
// value derived from it without a copy) has run: results leave a run
// through capture ops, which copy. So planBuffers gives nodes whose live
// ranges do not overlap within a run the same slot, and all graphs of the
// trainer draw from the same slots.
type bufArena struct {
	slots []*arenaSlot
}

// arenaSlot is one shared block of memory.
type arenaSlot struct {
	dt   tensor.Dtype
	f32  []float32
	f64  []float64
	gen  int // incremented when the backing array is replaced
	free int // planning: position after which the slot is free
}

func (s *arenaSlot) capacity() int {
	if s.dt == tensor.Float64 {
		return len(s.f64)
	}
	return len(s.f32)
}

// ensure grows the slot to at least n elements; it reports whether the
// backing array changed.
func (s *arenaSlot) ensure(n int) bool {
	if n <= s.capacity() {
		return false
	}
	if s.dt == tensor.Float64 {
		s.f64 = make([]float64, n)
	} else {
		s.f32 = make([]float32, n)
	}
	s.gen++
	return true
}

func (s *arenaSlot) backing(n int) any {
	if s.dt == tensor.Float64 {
		return s.f64[:n]
	}
	return s.f32[:n]
}

// bufferedOp is an op of this package that writes its value into an outBuf
// and never returns (a view of) one of its inputs.
type bufferedOp interface {
	outBuffer() *outBuf
}

func (op matMulOp) outBuffer() *outBuf       { return op.buf }
func (op im2colOp) outBuffer() *outBuf       { return op.buf }
func (op col2imOp) outBuffer() *outBuf       { return op.buf }
func (op biasAddOp) outBuffer() *outBuf      { return op.buf }
func (op colSumOp) outBuffer() *outBuf       { return op.buf }
func (op leakyOp) outBuffer() *outBuf        { return op.buf }
func (op leakyGradOp) outBuffer() *outBuf    { return op.buf }
func (op rowsOp) outBuffer() *outBuf         { return op.buf }
func (op reshapeOp) outBuffer() *outBuf      { return op.buf }
func (op condNormOp) outBuffer() *outBuf     { return op.buf }
func (op condNormGradOp) outBuffer() *outBuf { return op.buf }

// planBuffers binds the outBufs of sub's buffered nodes to slots of a.
// Nodes run in the order of G.Sort (reversed), as the TapeMachine compiles
// them. A node's value is live from its own position to the last position
// of a node that reads it; when a reader is not a bufferedOp (a gorgonia op,
// which may return its input or write into it), the reader's value may
// alias the node's, so the reader's live range counts too, transitively.
// A slot is reused only by a node positioned after the end of the previous
// user's range, so an op never writes over a value still to be read, nor
// into its own input.
func planBuffers(sub *G.ExprGraph, a *bufArena, dt tensor.Dtype) error {
	sorted, err := G.Sort(sub)
	if err != nil {
		return fmt.Errorf("gan: sorting the graph for buffer planning: %w", err)
	}
	n := len(sorted)
	order := make([]*G.Node, n)
	pos := make(map[*G.Node]int, n)
	for i, node := range sorted {
		order[n-1-i] = node
	}
	for i, node := range order {
		pos[node] = i
	}
	// end[node]: the last position at which node's memory may be read.
	end := make(map[*G.Node]int, n)
	var lastUse func(node *G.Node) int
	lastUse = func(node *G.Node) int {
		if e, ok := end[node]; ok {
			return e
		}
		e := pos[node]
		readers := sub.To(node.ID())
		for readers.Next() {
			r := readers.Node().(*G.Node)
			p, ok := pos[r]
			if !ok {
				continue
			}
			e = max(e, p)
			if _, own := r.Op().(bufferedOp); !own {
				e = max(e, lastUse(r))
			}
		}
		end[node] = e
		return e
	}
	for _, s := range a.slots {
		s.free = -1
	}
	for _, node := range order {
		op, ok := node.Op().(bufferedOp)
		if !ok {
			continue
		}
		buf := op.outBuffer()
		if buf == nil {
			continue
		}
		def, size := pos[node], node.Shape().TotalSize()
		// best fit among free slots of the dtype: the smallest that holds
		// size, else the largest (grown).
		var best *arenaSlot
		for _, s := range a.slots {
			if s.dt != dt || s.free >= def {
				continue
			}
			switch {
			case best == nil:
				best = s
			case s.capacity() >= size && (best.capacity() < size || s.capacity() < best.capacity()):
				best = s
			case best.capacity() < size && s.capacity() > best.capacity():
				best = s
			}
		}
		if best == nil {
			best = &arenaSlot{dt: dt}
			a.slots = append(a.slots, best)
		}
		best.ensure(size)
		best.free = lastUse(node)
		buf.slot, buf.t = best, nil
	}
	return nil
}

// bytes is the memory the arena holds.
func (a *bufArena) bytes() int {
	total := 0
	for _, s := range a.slots {
		total += len(s.f32)*4 + len(s.f64)*8
	}
	return total
}
