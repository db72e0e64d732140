package fashionmnist

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeGz(t *testing.T, path string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	// Two 2×2 images and their labels, big-endian IDX headers.
	writeGz(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"), []byte{
		0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2,
		0, 255, 51, 102,
		255, 0, 0, 0,
	})
	writeGz(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"), []byte{0, 0, 8, 1, 0, 0, 0, 2, 7, 3})
	s, err := Load(dir, "train")
	if err != nil {
		t.Fatal(err)
	}
	if s.Rows != 2 || s.Dim != 4 || !slices.Equal(s.Labels, []int{7, 3}) {
		t.Errorf("got %d rows of %d with labels %v, want 2 of 4 with [7 3]", s.Rows, s.Dim, s.Labels)
	}
	if want := []float32{0, 1, 0.2, 0.4, 1, 0, 0, 0}; !slices.Equal(s.Pixels, want) {
		t.Errorf("got pixels %v, want %v", s.Pixels, want)
	}

	writeGz(t, filepath.Join(dir, "bad-images-idx3-ubyte.gz"), []byte{0, 0, 8, 1, 0, 0, 0, 0})
	if _, err := Load(dir, "bad"); err == nil || !strings.Contains(err.Error(), "magic 0x801, want 0x803") {
		t.Errorf("got error %v, want a magic-number error", err)
	}
}

func TestFolderName(t *testing.T) {
	for label, want := range map[int]string{0: "t-shirt-top", 5: "sandal", 9: "ankle-boot"} {
		if got := FolderName(label); got != want {
			t.Errorf("FolderName(%d) = %q, want %q", label, got, want)
		}
	}
}

func TestPick(t *testing.T) {
	s := Split{Rows: 6, Dim: 1, Pixels: []float32{0, 1, 2, 3, 4, 5}, Labels: []int{7, 3, 7, 3, 7, 3}}
	p, err := Pick(s, []int{3, 7}, []int{2, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 3 || p.Dim != 1 || len(p.Pixels) != 3 || fmt.Sprint(p.Labels) != "[0 0 1]" {
		t.Fatalf("Pick = %+v, want 2 rows of label 3 then 1 of label 7, relabelled 0 and 1", p)
	}
	for i, v := range p.Pixels {
		if want := []int{3, 7}[p.Labels[i]]; s.Labels[int(v)] != want {
			t.Errorf("row %d is image %v of label %d, want label %d", i, v, s.Labels[int(v)], want)
		}
	}
	again, _ := Pick(s, []int{3, 7}, []int{2, 1}, 1)
	if fmt.Sprint(again) != fmt.Sprint(p) {
		t.Error("the same seed picked other images")
	}
	if _, err := Pick(s, []int{3}, []int{4}, 1); err == nil {
		t.Error("asking 4 of 3 images: no error")
	}
}
