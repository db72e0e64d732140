// Package storagetest holds the contract test that every storage.Store
// backend must pass, and a real S3 server (versitygw) for tests to run it
// against.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/storage"
)

// AcceptanceTest runs the storage.Store contract against s, which must be
// empty. Every backend runs the same suite.
func AcceptanceTest(t *testing.T, s storage.Store) {
	t.Helper()
	ctx := context.Background()
	t.Run("RoundTripSmall", func(t *testing.T) { roundTrip(t, ctx, s, "small/obj.bin", 1234, true) })
	t.Run("RoundTripEmpty", func(t *testing.T) { roundTrip(t, ctx, s, "small/empty", 0, true) })
	t.Run("RoundTripLargeMultipart", func(t *testing.T) { roundTrip(t, ctx, s, "large/known.bin", 17<<20+123, true) })
	t.Run("RoundTripLargeUnknownSize", func(t *testing.T) { roundTrip(t, ctx, s, "large/unknown.bin", 17<<20+7, false) })
	t.Run("NotFound", func(t *testing.T) { notFound(t, ctx, s) })
	t.Run("Overwrite", func(t *testing.T) { overwrite(t, ctx, s) })
	t.Run("IfNotExists", func(t *testing.T) { ifNotExists(t, ctx, s) })
	t.Run("Metadata", func(t *testing.T) { metadata(t, ctx, s) })
	t.Run("InvalidKeys", func(t *testing.T) { invalidKeys(t, ctx, s) })
	t.Run("ListPrefixes", func(t *testing.T) { listPrefixes(t, ctx, s) })
	t.Run("ListPagination", func(t *testing.T) { listPagination(t, ctx, s) })
	t.Run("Cancellation", func(t *testing.T) { cancellation(t, ctx, s) })
	t.Run("ShortReader", func(t *testing.T) { shortReader(t, ctx, s) })
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, ctx context.Context, s storage.Store, key string, data []byte) storage.ObjectInfo {
	t.Helper()
	info, err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), storage.PutOptions{})
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

func get(t *testing.T, ctx context.Context, s storage.Store, key string) []byte {
	t.Helper()
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func roundTrip(t *testing.T, ctx context.Context, s storage.Store, key string, n int, knownSize bool) {
	data := randomBytes(n, uint64(n))
	size := int64(len(data))
	if !knownSize {
		size = -1
	}
	// A plain io.Reader (not a *bytes.Reader) so backends cannot seek.
	info, err := s.Put(ctx, key, io.MultiReader(bytes.NewReader(data)), size, storage.PutOptions{})
	if err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, n, err)
	}
	if info.Size != int64(n) || info.Key != key {
		t.Errorf("Put returned key %q size %d, want %q %d", info.Key, info.Size, key, n)
	}
	got := get(t, ctx, s, key)
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("Get(%q): %d bytes with another hash than the %d put", key, len(got), n)
	}
	st, err := s.Stat(ctx, key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if st.Size != int64(n) || st.ModTime.IsZero() {
		t.Errorf("Stat(%q) = size %d modtime %v, want size %d and a modtime", key, st.Size, st.ModTime, n)
	}
	// Put answers from the write itself (no HEAD after it on S3): what it
	// says must agree with Stat.
	if st.ETag != "" && info.ETag != st.ETag {
		t.Errorf("Put(%q) returned ETag %q, Stat says %q", key, info.ETag, st.ETag)
	}
	if info.ContentType != st.ContentType {
		t.Errorf("Put(%q) returned content type %q, Stat says %q", key, info.ContentType, st.ContentType)
	}
}

func notFound(t *testing.T, ctx context.Context, s storage.Store) {
	if _, _, err := s.Get(ctx, "missing/key"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(ctx, "missing/key"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(missing) error = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "missing/key"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
	put(t, ctx, s, "nf/x", []byte("x"))
	if err := s.Delete(ctx, "nf/x"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Stat(ctx, "nf/x"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after Delete error = %v, want ErrNotFound", err)
	}
}

func overwrite(t *testing.T, ctx context.Context, s storage.Store) {
	put(t, ctx, s, "ow/k", []byte("first version"))
	put(t, ctx, s, "ow/k", []byte("second"))
	if got := string(get(t, ctx, s, "ow/k")); got != "second" {
		t.Errorf("after overwrite got %q, want %q", got, "second")
	}
}

func ifNotExists(t *testing.T, ctx context.Context, s storage.Store) {
	opts := storage.PutOptions{IfNotExists: true}
	if _, err := s.Put(ctx, "ine/k", bytes.NewReader([]byte("mine")), 4, opts); err != nil {
		t.Fatalf("first Put IfNotExists: %v", err)
	}
	_, err := s.Put(ctx, "ine/k", bytes.NewReader([]byte("theirs")), 6, opts)
	if !errors.Is(err, storage.ErrExists) {
		t.Errorf("second Put IfNotExists error = %v, want ErrExists", err)
	}
	if got := string(get(t, ctx, s, "ine/k")); got != "mine" {
		t.Errorf("object after refused overwrite = %q, want %q", got, "mine")
	}
}

func metadata(t *testing.T, ctx context.Context, s storage.Store) {
	opts := storage.PutOptions{ContentType: "image/png", UserMetadata: map[string]string{"Tailsynth-Job": "j1", "seed": "7"}}
	put, err := s.Put(ctx, "meta/a.png", bytes.NewReader([]byte("png")), 3, opts)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	st, err := s.Stat(ctx, "meta/a.png")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	want := map[string]string{"tailsynth-job": "j1", "seed": "7"}
	for name, info := range map[string]storage.ObjectInfo{"Stat": st, "Put's result": put} {
		if info.ContentType != "image/png" {
			t.Errorf("%s: content type = %q, want image/png", name, info.ContentType)
		}
		for k, v := range want {
			if info.UserMetadata[k] != v {
				t.Errorf("%s: metadata[%q] = %q, want %q (all: %v)", name, k, info.UserMetadata[k], v, info.UserMetadata)
			}
		}
	}
}

// BadKeys are keys every backend must refuse.
var BadKeys = []string{"", "/abs", "a//b", "a/", "../x", "a/../../x", "./a", "a/./b", "a\\b", "nul\x00", ".tailsynth/meta/x", "a/.tailsynth-tmp"}

func invalidKeys(t *testing.T, ctx context.Context, s storage.Store) {
	for _, k := range BadKeys {
		if _, err := s.Put(ctx, k, bytes.NewReader(nil), 0, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Get(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Get(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Stat(%q) error = %v, want ErrInvalidKey", k, err)
		}
		if err := s.Delete(ctx, k); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) error = %v, want ErrInvalidKey", k, err)
		}
	}
}

// Keys lists every key under prefix, failing the test on error.
func Keys(t testing.TB, ctx context.Context, s storage.Store, prefix string, opts storage.ListOptions) []string {
	t.Helper()
	var keys []string
	for info, err := range s.List(ctx, prefix, opts) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		keys = append(keys, info.Key)
	}
	return keys
}

func listPrefixes(t *testing.T, ctx context.Context, s storage.Store) {
	for _, k := range []string{"lp/a/1", "lp/a/2", "lp/a-c", "lp/ab", "lp/b/x", "lp/a/sub/3"} {
		put(t, ctx, s, k, []byte(k))
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"lp/a/", []string{"lp/a/1", "lp/a/2", "lp/a/sub/3"}},
		{"lp/a", []string{"lp/a-c", "lp/a/1", "lp/a/2", "lp/a/sub/3", "lp/ab"}},
		{"lp/b", []string{"lp/b/x"}},
		{"lp/zz", nil},
		{"lp/", []string{"lp/a-c", "lp/a/1", "lp/a/2", "lp/a/sub/3", "lp/ab", "lp/b/x"}},
	}
	for _, c := range cases {
		if got := Keys(t, ctx, s, c.prefix, storage.ListOptions{}); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
	got := Keys(t, ctx, s, "lp/", storage.ListOptions{StartAfter: "lp/a/2"})
	if want := []string{"lp/a/sub/3", "lp/ab", "lp/b/x"}; !slices.Equal(got, want) {
		t.Errorf("List(lp/, StartAfter lp/a/2) = %q, want %q", got, want)
	}
}

func listPagination(t *testing.T, ctx context.Context, s storage.Store) {
	const n = 1100 // more than one S3 page of 1000
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("pg/%02d/%05d", i%37, i))
	}
	slices.Sort(want)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	for _, k := range want {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := s.Put(ctx, k, bytes.NewReader([]byte(k)), int64(len(k)), storage.PutOptions{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Put: %v", err)
	}
	got := Keys(t, ctx, s, "pg/", storage.ListOptions{})
	if !slices.Equal(got, want) {
		t.Fatalf("List(pg/) returned %d keys, want %d in order", len(got), len(want))
	}
	// Page through with StartAfter, 250 at a time, as a client would.
	var paged []string
	after := ""
	for {
		page := 0
		for info, err := range s.List(ctx, "pg/", storage.ListOptions{StartAfter: after}) {
			if err != nil {
				t.Fatalf("List page after %q: %v", after, err)
			}
			paged = append(paged, info.Key)
			after = info.Key
			if page++; page == 250 {
				break // stopping early must not leak or block
			}
		}
		if page < 250 {
			break
		}
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged listing returned %d keys, want %d in order", len(paged), len(want))
	}
}

type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func cancellation(t *testing.T, ctx context.Context, s storage.Store) {
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Put(cctx, "cx/pre", bytes.NewReader([]byte("x")), 1, storage.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with cancelled ctx error = %v, want context.Canceled", err)
	}
	if _, err := s.Stat(cctx, "cx/pre"); err == nil {
		t.Errorf("Stat with cancelled ctx succeeded, want an error")
	}
	var listErr error
	for _, err := range s.List(cctx, "", storage.ListOptions{}) {
		if err != nil {
			listErr = err
		}
	}
	if !errors.Is(listErr, context.Canceled) {
		t.Errorf("List with cancelled ctx error = %v, want context.Canceled", listErr)
	}
	// Cancelled in the middle of a multipart upload: no object may appear.
	cctx, cancel = context.WithCancel(ctx)
	defer cancel()
	data := randomBytes(12<<20, 9)
	r := &cancelAfter{r: bytes.NewReader(data), n: 6 << 20, cancel: cancel}
	if _, err := s.Put(cctx, "cx/mid", r, -1, storage.PutOptions{}); err == nil {
		t.Errorf("Put cancelled mid-stream succeeded, want an error")
	}
	if _, err := s.Stat(ctx, "cx/mid"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after a cancelled Put error = %v, want ErrNotFound (no partial object)", err)
	}
}

func shortReader(t *testing.T, ctx context.Context, s storage.Store) {
	if _, err := s.Put(ctx, "short/k", bytes.NewReader([]byte("12345")), 10, storage.PutOptions{}); err == nil {
		t.Errorf("Put of 5 bytes declared as 10 succeeded, want an error")
	}
	if _, err := s.Stat(ctx, "short/k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat after a short Put error = %v, want ErrNotFound", err)
	}
}
