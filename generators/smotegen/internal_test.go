package smotegen

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/storage/local"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func testEnv(t *testing.T, dir string, plan map[string]int) *generators.Env {
	t.Helper()
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &generators.Env{Seed: 42, Source: st, Dataset: d, Train: datasets.ByClass(d.TrainFiles()), Plan: plan}
}

// imageDir writes n 6x5 RGB images of class c with varied levels.
func imageDir(t *testing.T, dir, c string, n int) {
	for i := range n {
		m := image.NewNRGBA(image.Rect(0, 0, 6, 5))
		for p := range m.Pix {
			m.Pix[p] = uint8(i*53 + p*p*7)
			if p%4 == 3 {
				m.Pix[p] = 0xff
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, c, string(rune('a'+i))+".png"), buf.Bytes())
	}
}

// TestRowsMatchSmote checks that the rows Generate recomputes from the kept
// training rows are those smote.Generate computed in Start, bit for bit:
// levels round(255·v) for images, float32 values for '<f4' vectors.
func TestRowsMatchSmote(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, "big", 8)
	imageDir(t, dir, "img", 5)
	for i := range 7 {
		var buf bytes.Buffer
		v := []float32{float32(i) * 0.37, float32(i*i) / 3, -float32(i) / 7, 1e-3 * float32(i)}
		if err := media.WriteNPYVector(&buf, v); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "vec", string(rune('a'+i))+".npy"), buf.Bytes())
	}
	cfg, err := parseParams([]byte(`{"k":3}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"img", "vec"} {
		e := testEnv(t, dir, map[string]int{c: 50})
		e.Train = map[string][]datasets.File{c: e.Train[c]}
		r, err := start(context.Background(), e, cfg)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		cl := r.classes[c]
		want, err := smote.Generate(context.Background(), r.matrix(cl), 50, 3, classSeed(42, c))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range cl.prov {
			if p != want.Provenance[i] {
				t.Fatalf("%s row %d: provenance %+v, smote.Generate gives %+v", c, i, p, want.Provenance[i])
			}
			w := want.X.Data[i*cl.dim : (i+1)*cl.dim]
			if c == "img" {
				got := make([]uint8, cl.dim)
				imageRow(cl, p, got)
				for j, v := range w {
					if got[j] != uint8(math.Round(float64(v)*255)) {
						t.Fatalf("img row %d value %d: level %d, smote's row gives %v·255", i, j, got[j], v)
					}
				}
				continue
			}
			s, err := r.Generate(context.Background(), c, i)
			if err != nil {
				t.Fatal(err)
			}
			got, err := media.ReadNPY[float32](bytes.NewReader(s.Data))
			if err != nil {
				t.Fatal(err)
			}
			for j, v := range w {
				if math.Float32bits(got.Data[j]) != math.Float32bits(v) {
					t.Fatalf("vec row %d value %d: %v, smote's row gives %v", i, j, got.Data[j], v)
				}
			}
		}
	}
}

// TestMemoryLimit checks the two memory bounds with a lowered limit.
func TestMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	imageDir(t, dir, "big", 8)
	imageDir(t, dir, "img", 5)
	for _, c := range []string{"c1", "c2", "c3", "c4"} {
		imageDir(t, dir, c, 5)
	}
	for _, c := range []struct {
		name  string
		plan  map[string]int
		limit int64
		want  string
	}{
		// img: (5 rows + 100 new)·90·4 = 37800 bytes of float32.
		{"working set", map[string]int{"img": 100}, 37800 - 1, "needs 37800 bytes of float32 matrices"},
		// Five classes keep 5·5·90 = 2250 bytes of levels; the working
		// set of each is (5 + 1)·90·4 = 2160 bytes.
		{"retained", map[string]int{"img": 1, "c1": 1, "c2": 1, "c3": 1, "c4": 1}, 2250 - 1, "take 2250 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parseParams(nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg.limit = c.limit
			_, err = start(context.Background(), testEnv(t, dir, c.plan), cfg)
			var de *datasets.DatasetError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "smaller size") {
				t.Fatalf("start = %v, want a DatasetError containing %q and advice", err, c.want)
			}
			cfg.limit++ // exactly at the limit is accepted
			if _, err := start(context.Background(), testEnv(t, dir, c.plan), cfg); err != nil {
				t.Fatalf("start at the limit: %v", err)
			}
		})
	}
}
