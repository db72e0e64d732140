package modelstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

func newStore(t *testing.T) (*modelstore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return modelstore.New(st), dir
}

// TestLoadChecksCheckpoint: Load checks the checkpoint's size and SHA-256
// against model.json.
func TestLoadChecksCheckpoint(t *testing.T) {
	s, dir := newStore(t)
	ctx := context.Background()
	meta := &modelstore.Meta{ID: modelstore.NewID(), Classes: []string{"a"}}
	if err := s.Put(ctx, meta, []byte("weights")); err != nil {
		t.Fatal(err)
	}
	if b, m, err := s.Load(ctx, meta.ID); err != nil || string(b) != "weights" || m.Checkpoint.Bytes != 7 {
		t.Fatalf("Load = %q, %+v, %v; want the 7 bytes stored", b, m, err)
	}
	if err := os.WriteFile(filepath.Join(dir, meta.ID, modelstore.CheckpointKey), []byte("weightz"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(ctx, meta.ID); !errors.Is(err, modelstore.ErrCorrupt) {
		t.Errorf("Load of a changed checkpoint: err = %v, want ErrCorrupt", err)
	}
}

func TestGetErrors(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	_, err := s.Get(ctx, "m_0123456789abcdef")
	if !errors.Is(err, modelstore.ErrNotFound) || !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound wrapping storage.ErrNotFound", err)
	}
	for _, id := range []string{"../etc", "m_0123", "m_0123456789ABCDEF", "x_0123456789abcdef", "m_0123456789abcdeg"} {
		if _, err := s.Get(ctx, id); !errors.Is(err, modelstore.ErrInvalidID) {
			t.Errorf("Get(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	if err := modelstore.ValidateID(modelstore.NewID()); err != nil {
		t.Errorf("NewID gives an invalid id: %v", err)
	}
}

// TestList lists complete models newest first and skips a folder without
// model.json (a Put that stopped between its two writes).
func TestList(t *testing.T) {
	s, dir := newStore(t)
	ctx := context.Background()
	ids := []string{"m_000000000000000a", "m_000000000000000b", "m_000000000000000c"}
	for i, id := range ids {
		m := &modelstore.Meta{ID: id, CreatedAt: time.Date(2025, 1, 1+i%2, 0, 0, 0, 0, time.UTC)}
		if err := s.Put(ctx, m, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "m_000000000000000d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m_000000000000000d", modelstore.CheckpointKey), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range list {
		got = append(got, m.ID)
	}
	// b is newest (Jan 2); a and c share Jan 1 and sort by id.
	if want := []string{"m_000000000000000b", "m_000000000000000a", "m_000000000000000c"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("List = %v, want %v", got, want)
	}
}
