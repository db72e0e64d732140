package spectrogen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/spectro"
)

// fakeSource returns a source of n float32 values (4n+256 bytes).
func fakeSource(key string, n int) *source {
	return &source{Key: key, Linear: spectro.NewSpectrogram[float32](1, n)}
}

func TestCacheLoadsOnceUnderConcurrency(t *testing.T) {
	c := newCache(1 << 20)
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) (*source, error) {
		loads.Add(1)
		<-release // hold every caller on the one load
		return fakeSource("a", 10), nil
	}
	var wg sync.WaitGroup
	got := make([]*source, 8)
	for i := range got {
		wg.Go(func() {
			s, err := c.get(context.Background(), "a", load)
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	time.Sleep(20 * time.Millisecond) // let the callers queue up
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("%d loads for 8 concurrent gets, want 1", n)
	}
	for i, s := range got {
		if s != got[0] {
			t.Errorf("get %d returned another source", i)
		}
	}
	if st := c.Stats(); st.Loads != 1 || st.Hits != 7 {
		t.Errorf("stats %+v, want 1 load, 7 hits", st)
	}
}

func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	// Each source is 4·100+256 = 656 bytes; the budget holds two.
	c := newCache(2 * 656)
	loads := map[string]int{}
	get := func(key string) {
		t.Helper()
		if _, err := c.get(context.Background(), key, func(context.Context) (*source, error) {
			loads[key]++
			return fakeSource(key, 100), nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	get("a")
	get("b")
	get("a") // a is now the most recent
	get("c") // evicts b
	get("a")
	get("b")
	if loads["a"] != 1 || loads["b"] != 2 || loads["c"] != 1 {
		t.Errorf("loads %v, want a 1, b 2 (evicted once), c 1", loads)
	}
	st := c.Stats()
	if st.Evictions != 2 || st.PeakBytes != 2*656 || st.Hits != 2 {
		t.Errorf("stats %+v, want 2 evictions, peak %d, 2 hits", st, 2*656)
	}
}

func TestCacheOversizeAndErrors(t *testing.T) {
	c := newCache(100)
	calls := 0
	big := func(context.Context) (*source, error) { calls++; return fakeSource("big", 1000), nil }
	for range 2 {
		if s, err := c.get(context.Background(), "big", big); err != nil || s == nil {
			t.Fatalf("get = %v, %v; want the source although it does not fit", s, err)
		}
	}
	if calls != 2 || c.Stats().Oversize != 2 {
		t.Errorf("%d loads, stats %+v: an oversize source is not kept", calls, c.Stats())
	}
	boom := errors.New("boom")
	fails := 0
	bad := func(context.Context) (*source, error) { fails++; return nil, boom }
	for range 2 {
		if _, err := c.get(context.Background(), "bad", bad); !errors.Is(err, boom) {
			t.Fatalf("get = %v, want boom", err)
		}
	}
	if fails != 2 {
		t.Errorf("%d loads of a failing key, want 2: errors are not cached", fails)
	}
}

func TestCacheWaiterHonoursContext(t *testing.T) {
	c := newCache(1 << 20)
	started, release := make(chan struct{}), make(chan struct{})
	go c.get(context.Background(), "slow", func(context.Context) (*source, error) {
		close(started)
		<-release
		return fakeSource("slow", 1), nil
	})
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.get(ctx, "slow", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting with a cancelled context: %v, want context.Canceled", err)
	}
	close(release)
}
