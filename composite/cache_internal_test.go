package composite

import (
	"context"
	"errors"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func tileOf(w, h int) fitted { return fitted{img: image.NewNRGBA(image.Rect(0, 0, w, h))} }

// TestCacheBoundAndLRU: entries of 10x10 NRGBA cost 400+128 bytes; a
// 2000-byte cache holds 3 of them and evicts the least recently used.
func TestCacheBoundAndLRU(t *testing.T) {
	c := NewCache(2000)
	ctx := context.Background()
	get := func(name string) {
		t.Helper()
		if _, err := c.get(ctx, tileKey{src: name}, func() (fitted, error) { return tileOf(10, 10), nil }); err != nil {
			t.Fatal(err)
		}
	}
	get("a")
	get("b")
	get("c")
	get("a") // a is now most recent; b is least
	get("d") // evicts b
	s := c.Stats()
	if s.Entries != 3 || s.Bytes != 3*528 || s.Evictions != 1 || s.Hits != 1 || s.Misses != 4 {
		t.Errorf("stats %+v, want 3 entries, 1584 bytes, 1 eviction, 1 hit, 4 misses", s)
	}
	if _, ok := c.items[tileKey{src: "b"}]; ok {
		t.Error("b survived; want it evicted as least recently used")
	}
	if _, ok := c.items[tileKey{src: "a"}]; !ok {
		t.Error("a was evicted; want it kept (recently used)")
	}
	// A tile larger than the whole cache is returned but not kept.
	if _, err := c.get(ctx, tileKey{src: "big"}, func() (fitted, error) { return tileOf(100, 100), nil }); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Bytes > 2000 {
		t.Errorf("cache holds %d bytes, bound 2000", s.Bytes)
	}
}

func TestCacheSingleFlightAndErrors(t *testing.T) {
	c := NewCache(1 << 20)
	var calls atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.get(context.Background(), tileKey{src: "x"}, func() (fitted, error) {
				calls.Add(1)
				<-release
				return tileOf(4, 4), nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	// Let every goroutine reach the cache; the first blocks inside fn.
	for c.Stats().Hits+c.Stats().Misses < 16 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("computed %d times for 16 concurrent requests, want 1", n)
	}

	boom := errors.New("boom")
	for i := range 2 {
		_, err := c.get(context.Background(), tileKey{src: "bad"}, func() (fitted, error) { return fitted{}, boom })
		if !errors.Is(err, boom) {
			t.Errorf("attempt %d: got %v, want boom (errors are not cached)", i, err)
		}
	}
	if s := c.Stats(); s.Misses != 3 {
		t.Errorf("misses %d, want 3 (x once, bad twice)", s.Misses)
	}
}

func TestFittedBytes(t *testing.T) {
	for _, tc := range []struct {
		img  image.Image
		want int64
	}{
		{image.NewGray(image.Rect(0, 0, 10, 5)), 50 + 128},
		{image.NewGray16(image.Rect(0, 0, 10, 5)), 100 + 128},
		{image.NewNRGBA(image.Rect(0, 0, 10, 5)), 200 + 128},
		{image.NewNRGBA(image.Rect(0, 0, 100, 100)).SubImage(image.Rect(0, 0, 10, 5)), 200 + 128},
	} {
		if got := (fitted{img: tc.img}).bytes(); got != tc.want {
			t.Errorf("%T %v: bytes %d, want %d", tc.img, tc.img.Bounds(), got, tc.want)
		}
	}
}
