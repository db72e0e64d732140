package spectrogen

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// cache keeps analysed sources, least recently used out first, within a
// byte budget. Concurrent requests for a key that is being loaded wait for
// that one load, so each file is decoded once while it stays cached. A
// source larger than the whole budget is returned but not kept. Failed
// loads are not kept: the next request tries again.
type cache struct {
	limit int64

	mu      sync.Mutex
	entries map[string]*cacheEntry
	lru     list.List // of *cacheEntry, most recent at the front; loaded entries only
	used    int64
	stats   CacheStats
}

type cacheEntry struct {
	key  string
	done chan struct{} // closed when the load ends
	val  *source
	err  error
	elem *list.Element // nil while loading or when not kept
}

// CacheStats count what the cache did during a run.
type CacheStats struct {
	// Hits are requests served from memory or by waiting for another
	// request's load; Loads are files decoded and analysed.
	Hits  int64 `json:"hits"`
	Loads int64 `json:"loads"`
	// Evictions count sources dropped to stay within the budget; Oversize
	// counts sources too large to keep at all.
	Evictions int64 `json:"evictions"`
	Oversize  int64 `json:"oversize"`
	// PeakBytes is the largest amount held; LimitBytes the budget.
	PeakBytes  int64 `json:"peak_bytes"`
	LimitBytes int64 `json:"limit_bytes"`
}

func newCache(limit int64) *cache {
	return &cache{limit: limit, entries: map[string]*cacheEntry{}, stats: CacheStats{LimitBytes: limit}}
}

// get returns the source of key, calling load when no request holds or is
// loading it.
func (c *cache) get(ctx context.Context, key string, load func(context.Context) (*source, error)) (*source, error) {
	for {
		c.mu.Lock()
		e, ok := c.entries[key]
		if !ok {
			break // c.mu held
		}
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
			c.stats.Hits++
			c.mu.Unlock()
			return e.val, nil
		}
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err == nil {
			c.mu.Lock()
			c.stats.Hits++
			c.mu.Unlock()
			return e.val, nil
		}
		// The loader's context ended while ours is alive: load again.
		if (errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return nil, e.err
	}
	e := &cacheEntry{key: key, done: make(chan struct{})}
	c.entries[key] = e
	c.stats.Loads++
	c.mu.Unlock()

	val, err := load(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(e.done)
	e.val, e.err = val, err
	if err != nil {
		delete(c.entries, key)
		return nil, err
	}
	size := val.bytes()
	if size > c.limit {
		delete(c.entries, key)
		c.stats.Oversize++
		return val, nil
	}
	e.elem = c.lru.PushFront(e)
	c.used += size
	for c.used > c.limit {
		old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
		old.elem = nil
		delete(c.entries, old.key)
		c.used -= old.val.bytes()
		c.stats.Evictions++
	}
	c.stats.PeakBytes = max(c.stats.PeakBytes, c.used)
	return val, nil
}

// Stats returns a snapshot of the counters.
func (c *cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}
