package gan

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
)

// SampleBatch is the batch size the sampler runs the generator at.
const SampleBatch = 64

// Sample generates n samples of class with latents from seed and calls
// fn(i, x) for i = 0..n-1 in order. x is NHWC float32 (Height, Width,
// Channels), in [-1, 1] for Output "tanh"; it is reused after fn returns,
// so copy what you keep. An error from fn stops sampling and is returned.
//
// Sample i's latent z_i is the i-th block of ZDim standard normals of a
// stream seeded by seed alone, so the same (seed, i) gives the same sample
// whatever n is, and the same seed gives corresponding latents across
// classes (only the label differs).
func (m *Model) Sample(ctx context.Context, class, n int, seed int64, fn func(i int, x []float32) error) error {
	if class < 0 || class >= m.cfg.Classes {
		return fmt.Errorf("gan: class %d out of range, want 0..%d", class, m.cfg.Classes-1)
	}
	if n < 0 {
		return fmt.Errorf("gan: n = %d samples, want >= 0", n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.buildSamplers(); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), seedStreamSample))
	labels := make([]int, SampleBatch)
	for i := range labels {
		labels[i] = class
	}
	f := m.cfg.features()
	buf := make([]float32, f)
	for start := 0; start < n; start += SampleBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		count := min(SampleBatch, n-start)
		var err error
		if m.cfg.DType == Float64 {
			err = sampleBatch[float64](m, rng, labels, count, start, buf, fn)
		} else {
			err = sampleBatch[float32](m, rng, labels, count, start, buf, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sampleShard is one sampling worker: its rows [lo, hi) of a batch, a
// forward graph for them and the model it reads (m itself for the first,
// a copy of m's weights for the others; see shard.m).
type sampleShard struct {
	lo, hi int
	fg     *fwdGraph
	m      *Model
}

// buildSamplers builds the sampling shards once, and refreshes the copies'
// weights from m (which may have trained since the last call). A sample's
// rows never meet another's in the generator (no batch statistics; each
// output row of a product is its own sum), so sharded samples are the
// unsharded ones: bit for bit with internal/sgemm and gonum, to float
// rounding with OpenBLAS, whose kernels depend on the matrix sizes
// (TestSampleShardsIdentical).
func (m *Model) buildSamplers() error {
	if m.samplers == nil {
		w := m.sampleWorkers
		if w <= 0 {
			w = AutoWorkers(SampleBatch)
		}
		for k := range w {
			sh := &sampleShard{lo: k * SampleBatch / w, hi: (k + 1) * SampleBatch / w, m: m}
			if k > 0 {
				sh.m = m.copyWeights()
			}
			fg, err := newFwdGraph(sh.m, sh.hi-sh.lo, &bufArena{})
			if err != nil {
				m.samplers = nil
				return err
			}
			sh.fg = fg
			m.samplers = append(m.samplers, sh)
		}
		return nil
	}
	for _, sh := range m.samplers[1:] {
		copyParams(sh.m.gen, m.gen) // the forward graph reads the generator only
	}
	return nil
}

// sampleBatch draws count latents (the rest of the batch is padded with
// zeros, not drawn, so the stream only advances by what is used), runs
// the generator's shards on their rows and hands out the samples.
func sampleBatch[T float](m *Model, rng *rand.Rand, labels []int, count, start int, buf []float32, fn func(int, []float32) error) error {
	f, zd, classes := m.cfg.features(), m.cfg.ZDim, m.cfg.Classes
	z := make([]T, SampleBatch*zd)
	fillNormal(z[:count*zd], rng)
	out := make([]T, SampleBatch*f)
	var wg sync.WaitGroup
	errs := make([]error, len(m.samplers))
	for k, sh := range m.samplers {
		if sh.lo >= count {
			break // rows past count are padding
		}
		wg.Go(func() {
			copy(sh.fg.inputs.z.Data().([]T), z[sh.lo*zd:sh.hi*zd])
			if err := oneHot(sh.fg.inputs.y.Data().([]T), labels[sh.lo:sh.hi], classes); err != nil {
				errs[k] = err
				return
			}
			if err := sh.fg.run(); err != nil {
				errs[k] = err
				return
			}
			copy(out[sh.lo*f:sh.hi*f], sh.fg.out.Data().([]T))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i := 0; i < count; i++ {
		for j, v := range out[i*f : (i+1)*f] {
			buf[j] = float32(v)
		}
		if err := fn(start+i, buf); err != nil {
			return err
		}
	}
	return nil
}
