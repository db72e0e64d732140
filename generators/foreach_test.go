package generators_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
)

func TestForEach(t *testing.T) {
	var sum atomic.Int64
	if err := generators.ForEach(context.Background(), 100, func(_ context.Context, i int) error {
		sum.Add(int64(i))
		return nil
	}); err != nil || sum.Load() != 4950 {
		t.Fatalf("ForEach: err %v, sum %d, want nil and 4950", err, sum.Load())
	}
	boom := errors.New("boom")
	var calls atomic.Int64
	err := generators.ForEach(context.Background(), 1000, func(ctx context.Context, i int) error {
		calls.Add(1)
		if i == 3 {
			return boom
		}
		return ctx.Err()
	})
	if !errors.Is(err, boom) || calls.Load() == 1000 {
		t.Errorf("ForEach with a failing call: err %v after %d calls, want boom and the rest cancelled", err, calls.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := generators.ForEach(ctx, 10, func(context.Context, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("ForEach on a cancelled context: %v, want context.Canceled", err)
	}
	if err := generators.ForEach(context.Background(), 0, nil); err != nil {
		t.Errorf("ForEach of nothing: %v", err)
	}
}
