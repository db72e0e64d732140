package generators

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// ForEach calls f(ctx, i) for every i in [0, n) on up to GOMAXPROCS
// goroutines. The first error cancels the calls not yet started and is
// returned, as is the cancellation of ctx.
func ForEach(ctx context.Context, n int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
