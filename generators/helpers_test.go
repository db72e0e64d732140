package generators_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// The helpers below are those of package pipeline's tests, for the tests
// here that run a job (the oversample generator's).

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// writePNGs makes n small PNGs per class under dir/<prefix><class>/.
func writePNGs(t testing.TB, dir string, counts map[string]int) {
	t.Helper()
	for class, n := range counts {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(len(class)*31 + i*7 + p)
			}
			img.Set(0, 0, color.Gray{Y: uint8(i)})
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, class, fmt.Sprintf("%03d.png", i)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func newPipeline(t testing.TB, roots ...string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}

func readAll(t testing.TB, st storage.Store, key string) []byte {
	t.Helper()
	rc, _, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

func newStoreAt(t testing.TB, dir string) (storage.Store, error) {
	l, err := locator.New(locator.Config{LocalRoots: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := l.Open(context.Background(), dir)
	return st, err
}
