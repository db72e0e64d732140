package generators_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
)

func TestInspect(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"a": 12, "b": 3})
	os.WriteFile(filepath.Join(root, "ds", "b", "broken.png"), []byte("this is text"), 0o644)
	os.WriteFile(filepath.Join(root, "ds", "b", "empty.png"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "ds", "b", "notes.txt"), []byte("x"), 0o644)
	st, _ := newStoreAt(t, root+"/ds")
	ds, err := generators.Scan(context.Background(), st, generators.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := generators.Inspect(context.Background(), st, ds, 0)
	if err != nil {
		t.Fatal(err)
	}
	if in.Classes["a"].Count != 12 || in.Classes["b"].Count != 5 || in.Majority != "a" || in.Minority != "b" || in.ImbalanceRatio != 2.4 {
		t.Errorf("inspection %+v", in)
	}
	if in.Classes["a"].Sizes["8x8"] != 12 || in.Classes["a"].Formats["png"] != 12 {
		t.Errorf("class a summary %+v", in.Classes["a"])
	}
	if len(in.Unreadable) != 2 || len(in.Skipped) != 1 {
		t.Errorf("unreadable %v skipped %v, want the text and the empty file unreadable and notes.txt skipped", in.Unreadable, in.Skipped)
	}
	// The fingerprint changes when a file changes.
	os.WriteFile(filepath.Join(root, "ds", "a", "000.png"), []byte("changed"), 0o644)
	ds2, _ := generators.Scan(context.Background(), st, generators.ScanOptions{})
	if ds2.Fingerprint == ds.Fingerprint {
		t.Error("fingerprint did not change with a file")
	}
}
