// Package locator turns location URIs into stores, under a policy: local
// paths only below configured roots, S3 buckets only from a configured list.
// It is what stands between an API user and the machine's filesystem.
package locator

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/s3store"
)

// Config is the policy and the S3 connection.
type Config struct {
	// LocalRoots are the directories below which file locations are
	// allowed. They are created if missing.
	LocalRoots []string
	// S3 is the S3 connection; nil disables s3:// locations.
	S3 *s3store.Config
	// AllowedBuckets lists the buckets s3:// locations may name; "*"
	// allows any bucket the credentials reach.
	AllowedBuckets []string
}

// Locator opens locations. It caches one store per root and per bucket and
// is safe for concurrent use.
type Locator struct {
	cfg   Config
	roots []string

	mu     sync.Mutex
	stores map[string]storage.Store
}

// New checks the policy and opens nothing but the local roots.
func New(cfg Config) (*Locator, error) {
	l := &Locator{cfg: cfg, stores: map[string]storage.Store{}}
	for _, r := range cfg.LocalRoots {
		abs, err := filepath.Abs(r)
		if err != nil {
			return nil, fmt.Errorf("local root %q: %w", r, err)
		}
		st, err := local.New(abs)
		if err != nil {
			return nil, err
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		l.roots = append(l.roots, abs)
		l.stores["file://"+abs] = st
	}
	// Longest root first, so a location takes its closest root.
	slices.SortFunc(l.roots, func(a, b string) int { return len(b) - len(a) })
	return l, nil
}

// Roots returns the allowed local roots, absolute.
func (l *Locator) Roots() []string { return slices.Clone(l.roots) }

// Resolve parses uri and checks it against the policy without any I/O.
func (l *Locator) Resolve(uri string) (storage.Location, error) {
	loc, err := storage.ParseLocation(uri)
	if err != nil {
		return loc, err
	}
	switch loc.Scheme {
	case "file":
		if _, _, err := l.localRoot(loc); err != nil {
			return loc, err
		}
	case "s3":
		if l.cfg.S3 == nil {
			return loc, fmt.Errorf("location %s: S3 is not configured on this server (set storage.s3.endpoint): %w", loc, storage.ErrLocationNotAllowed)
		}
		if !slices.Contains(l.cfg.AllowedBuckets, "*") && !slices.Contains(l.cfg.AllowedBuckets, loc.Bucket) {
			return loc, fmt.Errorf("location %s: bucket %q is not allowed; allowed buckets: %s: %w",
				loc, loc.Bucket, listOrNone(l.cfg.AllowedBuckets), storage.ErrLocationNotAllowed)
		}
	}
	return loc, nil
}

func (l *Locator) localRoot(loc storage.Location) (root, rel string, err error) {
	p := loc.Real().Path
	for _, r := range l.roots {
		rel, err := filepath.Rel(r, p)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			if rel == "." {
				rel = ""
			}
			return r, filepath.ToSlash(rel), nil
		}
	}
	return "", "", fmt.Errorf("location %s is outside the allowed local roots (%s); put the data below one of them or add a root to storage.local_roots: %w",
		loc, listOrNone(l.roots), storage.ErrLocationNotAllowed)
}

// Open resolves uri and returns a store whose keys are relative to it.
func (l *Locator) Open(ctx context.Context, uri string) (storage.Store, storage.Location, error) {
	loc, err := l.Resolve(uri)
	if err != nil {
		return nil, loc, err
	}
	st, err := l.OpenLocation(ctx, loc)
	return st, loc, err
}

// OpenLocation returns a store whose keys are relative to loc, which must
// have passed Resolve.
func (l *Locator) OpenLocation(ctx context.Context, loc storage.Location) (storage.Store, error) {
	switch loc.Scheme {
	case "file":
		root, rel, err := l.localRoot(loc)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		st := l.stores["file://"+root]
		l.mu.Unlock()
		return storage.Sub(st, rel), nil
	case "s3":
		if _, err := l.Resolve(loc.String()); err != nil {
			return nil, err
		}
		id := "s3://" + loc.Bucket
		l.mu.Lock()
		st, ok := l.stores[id]
		l.mu.Unlock()
		if !ok {
			s3, err := s3store.New(ctx, *l.cfg.S3, loc.Bucket)
			if err != nil {
				return nil, err
			}
			l.mu.Lock()
			if prev, ok := l.stores[id]; ok {
				st = prev
			} else {
				l.stores[id] = s3
				st = s3
			}
			l.mu.Unlock()
		}
		return storage.Sub(st, loc.Path), nil
	}
	return nil, fmt.Errorf("location %s: %w", loc, storage.ErrInvalidLocation)
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none configured"
	}
	return strings.Join(xs, ", ")
}
