package gan

import (
	"context"
	"fmt"
	"math/rand/v2"
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
	if m.sampler == nil {
		fg, err := newFwdGraph(m, SampleBatch, &bufArena{})
		if err != nil {
			return err
		}
		m.sampler = fg
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
			err = sampleBatch[float64](m.sampler, rng, labels, m.cfg.Classes, count, f, start, buf, fn)
		} else {
			err = sampleBatch[float32](m.sampler, rng, labels, m.cfg.Classes, count, f, start, buf, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sampleBatch draws count latents (the rest of the batch is padded with
// zeros, not drawn, so the stream only advances by what is used), runs
// the generator and hands out the samples.
func sampleBatch[T float](fg *fwdGraph, rng *rand.Rand, labels []int, classes, count, f, start int, buf []float32, fn func(int, []float32) error) error {
	z := fg.inputs.z.Data().([]T)
	zd := len(z) / fg.b
	fillNormal(z[:count*zd], rng)
	clear(z[count*zd:])
	if err := oneHot(fg.inputs.y.Data().([]T), labels, classes); err != nil {
		return err
	}
	if err := fg.run(); err != nil {
		return err
	}
	out := fg.out.Data().([]T)
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
