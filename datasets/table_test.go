package datasets_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/tables"
)

// A table is read in chunks that stop once the context is done, so a job
// cancelled while it loads a large table stops.
func TestTableReadStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,%s\n", i, []string{"a", "b"}[i%2])
	}
	if err := os.WriteFile(filepath.Join(dir, "t.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := newStoreAt(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb, err := datasets.OpenTable(ctx, st, "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	s, err := tb.Infer(ctx, tables.Options{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	r, done, err := tb.Read(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	chunks := 0
	err = tables.Each(r, func(*tables.Chunk) error {
		chunks++
		if chunks == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || chunks != 2 {
		t.Errorf("read %d chunks and ended with %v; want 2 chunks, then context.Canceled", chunks, err)
	}
}

// A table's location splits into the folder to open and the file.
func TestSplitTableLocation(t *testing.T) {
	for uri, want := range map[string][2]string{
		"s3://b/p/fraud.csv":     {"s3://b/p", "fraud.csv"},
		"file:///d/t.PARQUET":    {"file:///d", "t.PARQUET"},
		"s3://b/parts":           {"s3://b/parts", ""},
		"s3://fraud.csv":         {"s3://fraud.csv", ""},
		"file:///data/x.csv.bak": {"file:///data/x.csv.bak", ""},
	} {
		dir, key := datasets.SplitTableLocation(uri)
		if dir != want[0] || key != want[1] {
			t.Errorf("SplitTableLocation(%q) = %q, %q; want %q, %q", uri, dir, key, want[0], want[1])
		}
	}
}
