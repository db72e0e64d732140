package gangen

import (
	"container/list"
	"context"
	"fmt"
	"sync"

	"github.com/tailsynth/tailsynth/gan"
)

// cachedBatches is how many generated batches of 64 the sampler keeps.
const cachedBatches = 32

// sampler hands out generated samples by (class, index). Sample i of a
// class is element i mod 64 of batch i / 64, generated with
// gan.Model.Sample(class, 64, batchSeed(seed, class, i/64)): a pure
// function of (model, seed, class, i), whatever order and concurrency
// samples are asked in. Batches are cached (least recently used), and
// concurrent requests for one batch share a single forward pass.
type sampler struct {
	m       *gan.Model
	seed    int64
	classID map[string]int

	mu      sync.Mutex
	entries map[batchKey]*list.Element
	lru     *list.List // of *batch, most recent first
	runs    int        // forward passes made (for tests and the report)
}

type batchKey struct {
	class string
	k     int
}

type batch struct {
	key  batchKey
	done chan struct{}
	x    []float32 // 64 samples, NHWC each
	err  error
}

func newSampler(m *gan.Model, seed int64, classes []string) *sampler {
	id := make(map[string]int, len(classes))
	for i, c := range classes {
		id[c] = i
	}
	return &sampler{m: m, seed: seed, classID: id, entries: map[batchKey]*list.Element{}, lru: list.New()}
}

// get returns a copy of sample i of class.
func (s *sampler) get(ctx context.Context, class string, i int) ([]float32, error) {
	if _, ok := s.classID[class]; !ok {
		return nil, fmt.Errorf("class %q is not one of the model's classes", class)
	}
	if i < 0 {
		return nil, fmt.Errorf("sample index %d: want >= 0", i)
	}
	key := batchKey{class, i / gan.SampleBatch}
	s.mu.Lock()
	e, ok := s.entries[key]
	var b *batch
	if ok {
		s.lru.MoveToFront(e)
		b = e.Value.(*batch)
		s.mu.Unlock()
		select {
		case <-b.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	} else {
		b = &batch{key: key, done: make(chan struct{})}
		s.entries[key] = s.lru.PushFront(b)
		s.runs++
		s.evictLocked()
		s.mu.Unlock()
		b.x, b.err = s.generate(ctx, key)
		close(b.done)
		if b.err != nil { // not cached: a later call tries again
			s.mu.Lock()
			if e, ok := s.entries[key]; ok && e.Value.(*batch) == b {
				s.lru.Remove(e)
				delete(s.entries, key)
			}
			s.mu.Unlock()
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	f := len(b.x) / gan.SampleBatch
	j := i % gan.SampleBatch
	return append([]float32(nil), b.x[j*f:(j+1)*f]...), nil
}

func (s *sampler) evictLocked() {
	for s.lru.Len() > cachedBatches {
		e := s.lru.Back()
		s.lru.Remove(e)
		delete(s.entries, e.Value.(*batch).key)
	}
}

func (s *sampler) generate(ctx context.Context, key batchKey) ([]float32, error) {
	cfg := s.m.Config()
	f := cfg.Height * cfg.Width * cfg.Channels
	x := make([]float32, gan.SampleBatch*f)
	err := s.m.Sample(ctx, s.classID[key.class], gan.SampleBatch, batchSeed(s.seed, key.class, key.k), func(i int, v []float32) error {
		copy(x[i*f:], v)
		return nil
	})
	return x, err
}

func (s *sampler) forwardPasses() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs
}
