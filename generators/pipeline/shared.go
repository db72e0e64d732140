package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// PrepareShared is Prepare for admission checks (POST /v1/jobs, /v1/plan):
// callers that ask for the same dataset (location and manifest) while a
// scan of it is in flight share that scan instead of each listing the
// dataset again. A burst of submits against one dataset then costs one
// listing per scan time, not one per request (issue 17: at 200 requests/s
// the per-request scans of a 530-file dataset held the submit path to
// 76 requests/s with a p99 of 7.6 s). A caller may get a scan that began
// before it arrived, never one that ended before it arrived: what a submit
// is told is at most one scan's duration old. A job's run scans again
// (Prepare), so what it generates from is read when it starts. Tables
// are not shared (their check reads the table).
func (p *Pipeline) PrepareShared(ctx context.Context, spec generators.Spec) (*Prepared, error) {
	if spec.IsTable() {
		pr, _, err := p.Prepare(ctx, spec)
		return pr, err
	}
	src, err := p.Open(ctx, spec.Dataset)
	if err != nil {
		return nil, err
	}
	key := spec.Dataset + "\x00" + spec.Manifest
	ds, err := p.scans.do(ctx, key, func(ctx context.Context) (*datasets.Dataset, error) {
		return datasets.Scan(ctx, src, datasets.ScanOptions{Manifest: spec.Manifest})
	})
	if err != nil {
		return nil, scanError(spec, err)
	}
	return PlanDataset(ds, spec.Strategy)
}

// scanGroup runs one scan per key at a time and hands its result to every
// caller that arrived while it ran (a small singleflight). The scanned
// dataset is shared read-only: PlanDataset does not change it.
type scanGroup struct {
	mu       sync.Mutex
	inflight map[string]*scanCall
}

type scanCall struct {
	done    chan struct{}
	ds      *datasets.Dataset
	err     error
	waiters int // callers sharing it, for tests; under scanGroup.mu
}

func (g *scanGroup) do(ctx context.Context, key string, scan func(context.Context) (*datasets.Dataset, error)) (*datasets.Dataset, error) {
	for {
		g.mu.Lock()
		if c, ok := g.inflight[key]; ok {
			c.waiters++
			g.mu.Unlock()
			select {
			case <-c.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The scan ran under its first caller's context: when that
			// caller went away, this one still wants an answer.
			if c.err != nil && (errors.Is(c.err, context.Canceled) || errors.Is(c.err, context.DeadlineExceeded)) && ctx.Err() == nil {
				continue
			}
			return c.ds, c.err
		}
		c := &scanCall{done: make(chan struct{})}
		if g.inflight == nil {
			g.inflight = map[string]*scanCall{}
		}
		g.inflight[key] = c
		g.mu.Unlock()

		c.ds, c.err = scan(ctx)
		g.mu.Lock()
		delete(g.inflight, key)
		g.mu.Unlock()
		close(c.done)
		return c.ds, c.err
	}
}
