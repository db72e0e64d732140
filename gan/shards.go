package gan

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"gorgonia.org/tensor"
)

// Data parallelism (issue 17 §1). One batch is split into Trainer.workers
// shards of consecutive rows; each shard has its own critic and generator
// graphs, built for its rows, reading the one set of weights (graphs share
// their param tensors with the Model and only read them while they run)
// and writing its own gradients into its own buffers (its own bufArena).
// The shards run at once, one goroutine each; their gradients are summed,
// each weighted by its share of the batch, and one Adam step applies the
// sum.
//
// This is exact: every loss term is a mean over the batch's rows of a
// per-row quantity (the critic's output, the gradient penalty of one
// interpolate, the generator's loss on one sample; the architecture has no
// batch statistics: its layer norm is per sample), so the mean over the
// batch is the shard-weighted mean of the shards' means, and so are the
// gradients. All random draws (batch rows, latents, ε, augmentation) are
// made for the whole batch in the single-worker order and then cut, so a
// run with any number of workers sees the same numbers and differs from
// the single-worker run only in the order of float sums (TestShardsMatch
// holds it to that). The fakes the critic is shown are made by the shards
// too, each its rows' (generateSharded).

// minShardRows is the fewest batch rows a shard gets when the worker count
// is chosen automatically: below it, a shard's graphs run too little work
// to pay for the goroutine and the extra gradient sums.
const minShardRows = 8

// shard is one worker's part of the batch, rows [lo, hi).
type shard struct {
	lo, hi int
	cg     *criticGraph
	gg     *genGraph
	fg     *fwdGraph // nil with one shard: the trainer's fg makes the fakes
	// m is the model whose weights the shard's graphs read: the trainer's
	// for shard 0, a copy for the others, refreshed before every run
	// (syncWeights). gorgonia's ops may change the shape of a value they
	// read while they run (see reshapeOp), which is harmless in one graph
	// at a time but not for a tensor that graphs running at once share.
	m *Model
}

// weight is the shard's share of a batch of b rows.
func (s *shard) weight(b int) float64 { return float64(s.hi-s.lo) / float64(b) }

// AutoWorkers is the worker count SetWorkers(0) picks for a batch: one per
// CPU the Go runtime may use (GOMAXPROCS), at most one per minShardRows
// rows.
func AutoWorkers(batch int) int {
	return max(1, min(runtime.GOMAXPROCS(0), batch/minShardRows))
}

// SetWorkers sets the number of batch shards trained at once: 1 (the
// default) runs each batch whole on one goroutine; n > 1 splits it into n
// shards run in parallel; 0 picks AutoWorkers. It must be called before
// the first training step, and n may not exceed the batch size. With the
// OpenBLAS build, n > 1 sets OpenBLAS to one thread (process-wide) so that
// its threads do not compete with the workers.
func (t *Trainer) SetWorkers(n int) error {
	if t.cg != nil {
		return errors.New("gan: SetWorkers after training started; set it on a new trainer")
	}
	if n == 0 {
		n = AutoWorkers(t.hp.BatchSize)
	}
	if n < 1 || n > t.hp.BatchSize {
		return configErr("workers", n, fmt.Sprintf("0 (one per CPU) or 1..%d (the batch size)", t.hp.BatchSize))
	}
	t.workers = n
	return nil
}

// Workers returns the number of batch shards trained at once.
func (t *Trainer) Workers() int { return max(t.workers, 1) }

// buildShards builds each shard's critic and generator graphs. Shard 0
// shares the trainer's arena with the full-batch generator pass (they run
// one after the other); the others run beside it and get their own.
func (t *Trainer) buildShards() error {
	w, b := t.Workers(), t.hp.BatchSize
	t.shards = make([]*shard, w)
	for k := range w {
		sh := &shard{lo: k * b / w, hi: (k + 1) * b / w, m: t.m}
		arena := t.arena
		if k > 0 {
			sh.m = t.m.copyWeights()
			if arena != nil {
				arena = &bufArena{}
			}
		}
		var err error
		if sh.cg, err = newCriticGraph(sh.m, sh.hi-sh.lo, t.hp.Lambda, arena); err != nil {
			return err
		}
		if sh.gg, err = newGenGraph(sh.m, sh.hi-sh.lo, t.hp.Augment, arena); err != nil {
			return err
		}
		if w > 1 {
			// Its fakes are copied out before its critic runs on the arena.
			if sh.fg, err = newFwdGraph(sh.m, sh.hi-sh.lo, arena); err != nil {
				return err
			}
		}
		t.shards[k] = sh
	}
	t.cg, t.gg = t.shards[0].cg, t.shards[0].gg
	if w > 1 {
		if blasSingleThread != nil {
			blasSingleThread()
		}
		t.cSum = zerosLike(t.m.critic)
		t.gSum = zerosLike(t.m.gen)
		f := t.m.cfg.features()
		if t.m.cfg.DType == Float64 {
			t.zFull, t.fakeFull = make([]float64, b*t.m.cfg.ZDim), make([]float64, b*f)
		} else {
			t.zFull, t.fakeFull = make([]float32, b*t.m.cfg.ZDim), make([]float32, b*f)
		}
	}
	return nil
}

func zerosLike(ps *paramSet) []*tensor.Dense {
	out := make([]*tensor.Dense, len(ps.list))
	for i, p := range ps.list {
		out[i] = tensor.New(tensor.Of(p.t.Dtype()), tensor.WithShape(p.t.Shape().Clone()...))
	}
	return out
}

// runShards runs fn for every shard, at once when there are several, and
// returns the first error. The shards' weight copies are refreshed first.
func runShards(shards []*shard, fn func(*shard) error) error {
	if len(shards) == 1 {
		return fn(shards[0])
	}
	for _, sh := range shards[1:] {
		sh.syncWeights(shards[0].m)
	}
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for k, sh := range shards {
		wg.Go(func() { errs[k] = fn(sh) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sumGrads writes into dst the sum over shards of each shard's gradients
// (of), weighted by its share of the batch, and returns dst. Parameters
// are summed in parallel, each by one goroutine, in shard order.
func (t *Trainer) sumGrads(dst []*tensor.Dense, of func(*shard) []*tensor.Dense) []*tensor.Dense {
	b := t.hp.BatchSize
	parallelFor(len(dst), 1<<12, func(i int) {
		switch d := dst[i].Data().(type) {
		case []float32:
			sumShards(d, t.shards, b, func(sh *shard) []float32 { return of(sh)[i].Data().([]float32) })
		case []float64:
			sumShards(d, t.shards, b, func(sh *shard) []float64 { return of(sh)[i].Data().([]float64) })
		}
	})
	return dst
}

func sumShards[T float](dst []T, shards []*shard, b int, of func(*shard) []T) {
	w := T(shards[0].weight(b))
	for j, v := range of(shards[0]) {
		dst[j] = w * v
	}
	for _, sh := range shards[1:] {
		w := T(sh.weight(b))
		for j, v := range of(sh) {
			dst[j] += w * v
		}
	}
}

// generateSharded is generate for a sharded batch: the latents are drawn
// for the whole batch, in generate's order, and each shard makes its rows'
// fakes.
func generateSharded[T float](t *Trainer) ([]T, error) {
	z, fake := t.zFull.([]T), t.fakeFull.([]T)
	fillNormal(z, t.rng)
	zdim, f, k := t.m.cfg.ZDim, t.m.cfg.features(), t.m.cfg.Classes
	err := runShards(t.shards, func(sh *shard) error {
		copy(sh.fg.inputs.z.Data().([]T), z[sh.lo*zdim:sh.hi*zdim])
		if err := oneHot(sh.fg.inputs.y.Data().([]T), t.labels[sh.lo:sh.hi], k); err != nil {
			return err
		}
		if err := sh.fg.run(); err != nil {
			return err
		}
		copy(fake[sh.lo*f:sh.hi*f], sh.fg.out.Data().([]T))
		return nil
	})
	return fake, err
}

// copyWeights returns a model with the same architecture and its own copy
// of every weight.
func (m *Model) copyWeights() *Model {
	out := &Model{cfg: m.cfg, critic: newParamSet(), gen: newParamSet()}
	for _, set := range [][2]*paramSet{{m.critic, out.critic}, {m.gen, out.gen}} {
		for _, p := range set[0].list {
			q := &param{name: p.name, t: p.t.Clone().(*tensor.Dense)}
			set[1].list = append(set[1].list, q)
			set[1].byName[q.name] = q
		}
	}
	return out
}

// syncWeights copies the trainer's weights (and their shapes) into the
// shard's copy.
func (sh *shard) syncWeights(from *Model) { copyModelWeights(sh.m, from) }

// copyModelWeights copies from's weights (and their shapes) into dst, a
// copyWeights of it.
func copyModelWeights(dst, from *Model) {
	copyParams(dst.critic, from.critic)
	copyParams(dst.gen, from.gen)
}

// copyParams copies from's values (and shapes) into dst, a copy of it.
func copyParams(dst, from *paramSet) {
	for i, p := range from.list {
		q := dst.list[i].t
		if !q.Shape().Eq(p.t.Shape()) {
			q.Reshape(p.t.Shape()...) //nolint:errcheck // same size
		}
		switch d := q.Data().(type) {
		case []float32:
			copy(d, p.t.Data().([]float32))
		case []float64:
			copy(d, p.t.Data().([]float64))
		}
	}
}
