package spectrogen_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

func writePNG(t testing.TB, path string) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDatasetErrors checks that unusable datasets fail the job with a
// *datasets.DatasetError that names the problem and the file.
func TestDatasetErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		build  func(t *testing.T, ds string)
		params string
		want   []string
	}{
		{"images", func(t *testing.T, ds string) {
			writePNG(t, filepath.Join(ds, "cat", "a.png"))
			writePNG(t, filepath.Join(ds, "cat", "b.png"))
			writePNG(t, filepath.Join(ds, "dog", "a.png"))
		}, `{}`, []string{"needs WAV files", `class "dog" has 1 image files (e.g. dog/a.png)`}},
		{"no usable wav", func(t *testing.T, ds string) {
			writeDataset(t, ds, map[string]int{"high": 3})
			if err := os.MkdirAll(filepath.Join(ds, "low"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(ds, "low", "bad.wav"), []byte("RIFF\x10\x00\x00\x00WAVEjunkjunk"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, `{"n_fft": 256}`, []string{`class "low"`, "none of its 1 training files is a usable WAV file", "low/bad.wav: not a usable WAV file"}},
		{"fmax above nyquist", func(t *testing.T, ds string) {
			writeDataset(t, ds, map[string]int{"low": 1})
		}, `{"n_fft": 256, "scale": "mel_db", "fmax": 6000}`, []string{"low/000.wav", "sample rate 8000 Hz", "fmax 6000"}},
		{"too short without center", func(t *testing.T, ds string) {
			writeDataset(t, ds, map[string]int{"low": 1})
		}, `{"n_fft": 8192, "center": false}`, []string{"low/000.wav: 4000 samples are too short"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.build(t, filepath.Join(h.root, "ds"))
			for _, gen := range []string{"spectrogram", "specaugment"} {
				_, err := h.run(gen, gen, tc.params, generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{lastClass(h): 40}}, 1)
				var de *datasets.DatasetError
				if !errors.As(err, &de) {
					t.Fatalf("%s: error %v (%T), want a *datasets.DatasetError", gen, err, err)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q, want %q in it", gen, err, w)
					}
				}
			}
		})
	}
}

// lastClass returns the dataset's last class folder by name.
func lastClass(h *harness) string {
	ents, err := os.ReadDir(filepath.Join(h.root, "ds"))
	if err != nil || len(ents) == 0 {
		panic(fmt.Sprint("no classes: ", err))
	}
	return ents[len(ents)-1].Name()
}
