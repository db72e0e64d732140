package composite

import (
	"container/list"
	"context"
	"errors"
	"image"
	"sync"
)

// DefaultCacheBytes is a reasonable cache bound: 256 MiB holds about 1,700
// 224x75 RGBA tiles (3x1 layout at 224x224).
const DefaultCacheBytes = 256 << 20

// Cache is a least-recently-used cache of fitted tiles (sources already
// decoded and resized to tile size, not the originals), bounded by the bytes
// of their pixel buffers. It is safe for concurrent use, and concurrent
// requests for the same missing tile compute it once. Share one Cache between
// the Renderers (and goroutines) of a job so that a source used by many
// composites is decoded and resized once while it stays cached.
type Cache struct {
	max int64

	mu       sync.Mutex
	bytes    int64
	lru      *list.List // front = most recent; values are *cacheEntry
	items    map[tileKey]*list.Element
	inflight map[tileKey]*flight
	stats    CacheStats
}

// CacheStats counts cache use.
type CacheStats struct {
	Hits, Misses, Evictions int64
	Entries                 int
	Bytes                   int64
}

// tileKey identifies a fitted tile.
type tileKey struct {
	src    string
	w, h   int
	fit    Fit
	filter string
	keep16 bool
}

// fitted is a source fitted into a w x h tile: img (an *image.Gray or
// *image.NRGBA, or an *image.Gray16 on the 16-bit path) is drawn at off within the tile; the
// rest of the tile is background (FitContain only).
type fitted struct {
	img  image.Image
	off  image.Point
	gray bool // the source was gray (*image.Gray or *image.Gray16)
}

func (f fitted) bytes() int64 {
	b := f.img.Bounds()
	px := int64(b.Dx()) * int64(b.Dy())
	switch f.img.(type) {
	case *image.Gray:
		return px + 128
	case *image.Gray16:
		return 2*px + 128
	}
	return 4*px + 128 // *image.NRGBA
}

type cacheEntry struct {
	key tileKey
	val fitted
}

type flight struct {
	done chan struct{}
	val  fitted
	err  error
}

// NewCache returns a cache holding at most maxBytes of tile pixels (tiles
// larger than maxBytes are not kept). maxBytes <= 0 means DefaultCacheBytes.
func NewCache(maxBytes int64) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultCacheBytes
	}
	return &Cache{max: maxBytes, lru: list.New(), items: map[tileKey]*list.Element{}, inflight: map[tileKey]*flight{}}
}

// Stats returns a snapshot of the counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = c.lru.Len(), c.bytes
	return s
}

// get returns the cached tile for k or computes it with fn. Errors are not
// cached. A caller waiting for another goroutine's computation stops waiting
// when ctx is done.
func (c *Cache) get(ctx context.Context, k tileKey, fn func() (fitted, error)) (fitted, error) {
	c.mu.Lock()
	if e, ok := c.items[k]; ok {
		c.lru.MoveToFront(e)
		c.stats.Hits++
		c.mu.Unlock()
		return e.Value.(*cacheEntry).val, nil
	}
	if f, ok := c.inflight[k]; ok {
		c.stats.Hits++
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
				return c.get(ctx, k, fn) // the other caller gave up; we have not
			}
			return f.val, f.err
		case <-ctx.Done():
			return fitted{}, ctx.Err()
		}
	}
	c.stats.Misses++
	f := &flight{done: make(chan struct{})}
	c.inflight[k] = f
	c.mu.Unlock()

	f.val, f.err = fn()

	c.mu.Lock()
	delete(c.inflight, k)
	if f.err == nil {
		c.add(k, f.val)
	}
	c.mu.Unlock()
	close(f.done)
	return f.val, f.err
}

// add inserts v and evicts from the least recent end; c.mu must be held.
func (c *Cache) add(k tileKey, v fitted) {
	n := v.bytes()
	if n > c.max {
		return
	}
	c.items[k] = c.lru.PushFront(&cacheEntry{key: k, val: v})
	c.bytes += n
	for c.bytes > c.max {
		e := c.lru.Back()
		ce := e.Value.(*cacheEntry)
		c.lru.Remove(e)
		delete(c.items, ce.key)
		c.bytes -= ce.val.bytes()
		c.stats.Evictions++
	}
}
