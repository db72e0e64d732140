package datasets_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
)

func TestInspect(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"a": 12, "b": 3})
	os.WriteFile(filepath.Join(root, "ds", "b", "broken.png"), []byte("this is text"), 0o644)
	os.WriteFile(filepath.Join(root, "ds", "b", "empty.png"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "ds", "b", "notes.txt"), []byte("x"), 0o644)
	st, _ := newStoreAt(t, root+"/ds")
	ds, err := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := datasets.Inspect(context.Background(), st, ds, 0)
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
	ds2, _ := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if ds2.Fingerprint == ds.Fingerprint {
		t.Error("fingerprint did not change with a file")
	}
}

// TestInspectReadable: inspect checks files as the generators read them
// (a header declaring 100000x100000 or truncated pixel data is
// unreadable, not only text named .png) and gives a class's readable
// count beside its file count when it checked every file of the class.
func TestInspectReadable(t *testing.T) {
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writePNGs(t, ds, map[string]int{"a": 6, "b": 3})
	full := noisePNG(t)
	wav := wavBytes(t, 800)
	writeFiles(t, ds, map[string][]byte{
		"b/huge.png":      pngHeaderOnly(100000, 100000),
		"b/truncated.png": full[:len(full)/2],
		"b/text.png":      []byte("this is not an image\n"),
		"c/000.wav":       wav,
		"c/001.wav":       wav[:len(wav)/2],
	})
	st, _ := newStoreAt(t, ds)
	d, err := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := datasets.Inspect(context.Background(), st, d, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range in.Unreadable {
		got[p.Key] = p.Reason
	}
	for _, k := range []string{"b/huge.png", "b/truncated.png", "b/text.png", "c/001.wav"} {
		if _, ok := got[k]; !ok {
			t.Errorf("unreadable %v lacks %s", in.Unreadable, k)
		}
	}
	if len(got) != 4 {
		t.Errorf("unreadable %v, want exactly the 4 bad files", in.Unreadable)
	}
	for c, want := range map[string][2]int{"a": {6, 6}, "b": {6, 3}, "c": {2, 1}} {
		cs := in.Classes[c]
		if cs.Count != want[0] || cs.Readable == nil || *cs.Readable != want[1] {
			t.Errorf("class %s: count %d, readable %v; want %d and %d", c, cs.Count, cs.Readable, want[0], want[1])
		}
	}
	// With 2 files checked per class, b's readable count is unknown.
	in, err = datasets.Inspect(context.Background(), st, d, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r := in.Classes["b"].Readable; r != nil {
		t.Errorf("class b with 2 of 6 files checked: readable %d, want it left out", *r)
	}
}
