package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
)

// hookedStore calls put before each write of a sample (a key under a job's
// data/: the pipeline writes through storage.Sub, so keys here start with
// the job's id).
type hookedStore struct {
	storage.Store
	put func(ctx context.Context, key string) error
}

func (s hookedStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.ObjectInfo, error) {
	if strings.Contains("/"+key, "/"+generators.DataDir+"/") {
		if err := s.put(ctx, key); err != nil {
			return storage.ObjectInfo{}, err
		}
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

// hookOutput makes p open the output location out through a hookedStore.
func hookOutput(p *pipeline.Pipeline, out string, put func(ctx context.Context, key string) error) {
	open := p.Open
	p.Open = func(ctx context.Context, uri string) (storage.Store, error) {
		st, err := open(ctx, uri)
		if err != nil || uri != out {
			return st, err
		}
		return hookedStore{Store: st, put: put}, nil
	}
}

// TestWritersInFlight checks that the pipeline writes more samples at once
// than it generates: with one worker and four writers, four writes wait
// for each other at a barrier, which they pass only together.
func TestWritersInFlight(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"common": 12, "rare": 2})
	p := newPipeline(t, root)
	p.Workers, p.Writers = 1, 4
	var (
		mu      sync.Mutex
		waiting int
		most    int
		release = make(chan struct{})
		once    sync.Once
	)
	hookOutput(p, root+"/out", func(ctx context.Context, key string) error {
		mu.Lock()
		waiting++
		most = max(most, waiting)
		if waiting == p.Writers {
			once.Do(func() { close(release) })
		}
		mu.Unlock()
		defer func() { mu.Lock(); waiting--; mu.Unlock() }()
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	// A guard against a hang, not a timing: the barrier opens at once when
	// four writes are in flight, and never otherwise.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	spec := generators.Spec{ID: "j", Dataset: root + "/ds", Generator: "oversample",
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 1, Output: root + "/out", Quality: generators.QualityOff}
	res, err := p.Run(ctx, spec, func(generators.Progress) {})
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("Run: %v (at most %d writes were in flight at once, want %d)", err, most, p.Writers)
	}
	if res.Files != 10 {
		t.Errorf("Files = %d, want 10", res.Files)
	}
}

// TestWriteFailureResume checks the writer pool's failure and resume
// paths: a failed write fails the job with its error and no _SUCCESS; the
// retry writes only the samples the first attempt did not store, and its
// output is byte for byte that of a job that never failed.
func TestWriteFailureResume(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"common": 40, "rare": 3})
	spec := generators.Spec{ID: "j", Dataset: root + "/ds", Generator: "oversample",
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 3, Output: root + "/out", Quality: generators.QualityOff}
	ctx := context.Background()

	clean := newPipeline(t, root)
	cleanSpec := spec
	cleanSpec.Output = root + "/clean"
	if _, err := clean.Run(ctx, cleanSpec, func(generators.Progress) {}); err != nil {
		t.Fatal(err)
	}

	boom := errors.New("disk on fire")
	var puts atomic.Int64
	p := newPipeline(t, root)
	p.Workers, p.Writers = 2, 6
	hookOutput(p, root+"/out", func(ctx context.Context, key string) error {
		if puts.Add(1) == 15 {
			return boom
		}
		return nil
	})
	if _, err := p.Run(ctx, spec, func(generators.Progress) {}); !errors.Is(err, boom) {
		t.Fatalf("first attempt: error %v, want %v", err, boom)
	}
	out, err := newStoreAt(t, root+"/out/j")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.Stat(ctx, generators.SuccessKey); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("_SUCCESS after a failed attempt: %v, want ErrNotFound", err)
	}
	kept := 0
	for _, err := range out.List(ctx, generators.DataDir+"/", storage.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		kept++
	}

	puts.Store(-1 << 40) // no more failures
	var rewritten atomic.Int64
	p2 := newPipeline(t, root)
	p2.Workers, p2.Writers = 2, 6
	hookOutput(p2, root+"/out", func(context.Context, string) error { rewritten.Add(1); return nil })
	res, err := p2.Run(ctx, spec, func(generators.Progress) {})
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got, want := int(rewritten.Load()), res.Files-kept; got != want {
		t.Errorf("retry wrote %d samples, want %d (%d planned, %d kept from the first attempt)", got, want, res.Files, kept)
	}
	cl, err := newStoreAt(t, root+"/clean/j")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, out, generators.MetadataKey), readAll(t, cl, generators.MetadataKey)) {
		t.Error("metadata.jsonl after the retry differs from a job that never failed")
	}
	for info, err := range cl.List(ctx, generators.DataDir+"/", storage.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(readAll(t, out, info.Key), readAll(t, cl, info.Key)) {
			t.Errorf("%s after the retry differs from a job that never failed", info.Key)
		}
	}
}
