package local_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func newStore(t *testing.T) (*local.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestAcceptance(t *testing.T) {
	s, _ := newStore(t)
	storagetest.AcceptanceTest(t, s)
}

func TestAcceptanceSub(t *testing.T) {
	s, _ := newStore(t)
	storagetest.AcceptanceTest(t, storage.Sub(s, "some/prefix"))
}

func TestFilesArePlain(t *testing.T) {
	s, dir := newStore(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "data/cat/1.png", bytes.NewReader([]byte("img")), 3, storage.PutOptions{ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", "cat", "1.png"))
	if err != nil || string(b) != "img" {
		t.Fatalf("file on disk = %q, %v; want %q", b, err, "img")
	}
	got := storagetest.Keys(t, ctx, s, "", storage.ListOptions{})
	if want := []string{"data/cat/1.png"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q (bookkeeping files must not be listed)", got, want)
	}
}

func TestSymlinkEscapeRefused(t *testing.T) {
	s, dir := newStore(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := s.Get(ctx, "link/secret"); err == nil {
		t.Fatal("Get through a symlink leaving the root succeeded")
	}
	if _, err := s.Put(ctx, "link/new", bytes.NewReader([]byte("x")), 1, storage.PutOptions{}); err == nil {
		t.Fatal("Put through a symlink leaving the root succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file appeared outside the root: %v", err)
	}
	if keys := storagetest.Keys(t, ctx, s, "", storage.ListOptions{}); len(keys) != 0 {
		t.Errorf("List followed a symlink out of the root: %q", keys)
	}
}

// Concurrent writers of one key and concurrent readers: a reader always sees
// one whole version, never a mix or a prefix.
func TestConcurrentWritersNeverTear(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	versions := make(map[string]bool)
	var payloads [][]byte
	for i := range 8 {
		p := bytes.Repeat([]byte(fmt.Sprintf("v%d-", i)), 64<<10)
		payloads = append(payloads, p)
		versions[string(p)] = true
	}
	if _, err := s.Put(ctx, "k", bytes.NewReader(payloads[0]), int64(len(payloads[0])), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 5 {
				if _, err := s.Put(ctx, "k", bytes.NewReader(payloads[i]), int64(len(payloads[i])), storage.PutOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 20 {
				rc, _, err := s.Get(ctx, "k")
				if err != nil {
					t.Error(err)
					return
				}
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(rc)
				rc.Close()
				if !versions[buf.String()] {
					t.Errorf("read a torn object of %d bytes", buf.Len())
				}
			}
		})
	}
	wg.Wait()
}

func TestDirectoryKeyConflict(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "a/b", bytes.NewReader(nil), 0, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a", bytes.NewReader(nil), 0, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Put over a directory error = %v, want ErrInvalidKey", err)
	}
	if _, err := s.Put(ctx, "a/b/c", bytes.NewReader(nil), 0, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Put below a file error = %v, want ErrInvalidKey", err)
	}
}

func TestStaleTempFilesRemovedAtOpen(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, storage.ReservedPrefix, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	// What kill -9 in the middle of a Put leaves: a temporary file that
	// nothing renames. One is old, one could belong to a Put under way in
	// another process sharing the directory.
	old, fresh := filepath.Join(tmp, "0123456789abcdef01234567"), filepath.Join(tmp, "89abcdef0123456789abcdef")
	for _, f := range []string{old, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-local.StaleTempAge - time.Minute)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file older than %v still there after New (stat: %v)", local.StaleTempAge, err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a recent temporary file (a Put under way elsewhere?) was removed: %v", err)
	}
}

// TestNoSidecarPerSample (issue 13 item 16): samples whose content type is
// the one their extension implies cost no bookkeeping file; a different
// content type or user metadata still gets a sidecar, and every object
// reads back the content type it was written with, also after an
// overwrite that drops the sidecar.
func TestNoSidecarPerSample(t *testing.T) {
	s, dir := newStore(t)
	ctx := context.Background()
	put := func(key, ct string, meta map[string]string) {
		t.Helper()
		if _, err := s.Put(ctx, key, bytes.NewReader([]byte("x")), 1, storage.PutOptions{ContentType: ct, UserMetadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{}
	for i := range 50 {
		k := fmt.Sprintf("job/data/rare/syn_%03d.png", i)
		put(k, "image/png", nil)
		want[k] = "image/png"
	}
	for k, ct := range map[string]string{
		"job/data/a/1.wav": "audio/wav", "job/data/a/1.npy": "application/x-npy", "job/report.json": "application/json",
		"job/metadata.jsonl": "application/x-ndjson", "job/report.html": "text/html; charset=utf-8",
	} {
		put(k, ct, nil)
		want[k] = ct
	}
	sidecars := func() int {
		n := 0
		filepath.WalkDir(filepath.Join(dir, ".tailsynth", "meta"), func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	if n := sidecars(); n != 0 {
		t.Errorf("%d sidecar files for 55 objects with their implied content types, want 0", n)
	}
	put("job/_SUCCESS", "application/json", nil)
	put("job/odd.png", "image/x-odd", nil)
	put("job/tagged.png", "image/png", map[string]string{"seed": "7"})
	want["job/_SUCCESS"], want["job/odd.png"], want["job/tagged.png"] = "application/json", "image/x-odd", "image/png"
	if n := sidecars(); n != 3 {
		t.Errorf("%d sidecar files, want 3 (no extension, a type the extension does not imply, user metadata)", n)
	}
	for k, ct := range want {
		if info, err := s.Stat(ctx, k); err != nil || info.ContentType != ct {
			t.Errorf("Stat(%s) content type %q (%v), want %q", k, info.ContentType, err, ct)
		}
	}
	if info, _ := s.Stat(ctx, "job/tagged.png"); info.UserMetadata["seed"] != "7" {
		t.Errorf("user metadata %v, want seed 7", info.UserMetadata)
	}
	put("job/odd.png", "image/png", nil) // overwrite: the sidecar goes
	if info, _ := s.Stat(ctx, "job/odd.png"); info.ContentType != "image/png" || sidecars() != 2 {
		t.Errorf("after overwrite: content type %q, %d sidecars; want image/png and 2", info.ContentType, sidecars())
	}
}
