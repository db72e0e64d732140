package pipeline

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
)

// Callers that arrive while a scan of their dataset runs share it; a
// caller after it has ended scans again; another dataset is scanned on its
// own.
func TestScanGroupShares(t *testing.T) {
	var g scanGroup
	var scans atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	scan := func(context.Context) (*datasets.Dataset, error) {
		scans.Add(1)
		started <- struct{}{}
		<-release
		return &datasets.Dataset{}, nil
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]*datasets.Dataset, 8)
	wg.Go(func() { results[0], _ = g.do(ctx, "a", scan) })
	<-started
	for i := 1; i < 8; i++ {
		wg.Go(func() { results[i], _ = g.do(ctx, "a", scan) })
	}
	other := make(chan *datasets.Dataset)
	go func() { ds, _ := g.do(ctx, "b", scan); other <- ds }()
	<-started // b's own scan
	// Let the followers reach the wait before the scan ends.
	waitFor(t, func() bool { return waiting(&g, "a") == 7 })
	close(release)
	wg.Wait()
	b := <-other
	if n := scans.Load(); n != 2 {
		t.Fatalf("%d scans for 8 callers of a and 1 of b, want 2", n)
	}
	for i, r := range results {
		if r != results[0] || r == nil {
			t.Fatalf("caller %d got another result", i)
		}
	}
	if b == results[0] {
		t.Fatal("dataset b got a's scan")
	}
	if _, err := g.do(ctx, "a", func(context.Context) (*datasets.Dataset, error) { scans.Add(1); return nil, nil }); err != nil || scans.Load() != 3 {
		t.Fatalf("a caller after the scan ended did not scan again (%d scans)", scans.Load())
	}
}

// A scan that failed because its first caller went away is run again for
// a caller still waiting; any other error is shared.
func TestScanGroupLeaderCancelled(t *testing.T) {
	var g scanGroup
	leaderCtx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var scans atomic.Int32
	scan := func(ctx context.Context) (*datasets.Dataset, error) {
		if scans.Add(1) == 1 {
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return &datasets.Dataset{}, nil
	}
	leaderErr := make(chan error)
	go func() { _, err := g.do(leaderCtx, "a", scan); leaderErr <- err }()
	<-started
	follower := make(chan error)
	go func() { ds, err := g.do(context.Background(), "a", scan); follower <- errors.Join(err, nilDS(ds)) }()
	waitFor(t, func() bool { return waiting(&g, "a") == 1 })
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: %v", err)
	}
	if err := <-follower; err != nil {
		t.Fatalf("follower: %v (want its own scan)", err)
	}

	boom := errors.New("listing failed")
	if _, err := g.do(context.Background(), "c", func(context.Context) (*datasets.Dataset, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
}

func nilDS(ds *datasets.Dataset) error {
	if ds == nil {
		return errors.New("no dataset")
	}
	return nil
}

// waiting is how many callers wait on key's scan.
func waiting(g *scanGroup, key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.inflight[key]; ok {
		return c.waiters
	}
	return -1
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
