package spectrogen_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// TestBadFilesSkipped: one bad file does not fail a spectrogram or
// specaugment job. A truncated WAV, a text file named .wav, a WAV of NaN
// samples and a PNG in the audio class are left out, listed per file in
// the report's bad_files, and no sample is made from them.
func TestBadFilesSkipped(t *testing.T) {
	h := newHarness(t)
	ds := filepath.Join(h.root, "ds")
	writeDataset(t, ds, map[string]int{"low": 4, "high": 3})
	good, err := os.ReadFile(filepath.Join(ds, "low", "000.wav"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(key string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(ds, key), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("low/truncated.wav", good[:len(good)/2])
	write("low/text.wav", []byte("this is not a WAV file\n"))
	writePNG(t, filepath.Join(ds, "low", "picture.png"))
	nan := make([]float64, nSamples)
	for i := range nan {
		nan[i] = math.NaN()
	}
	var nanWAV bytes.Buffer
	if err := media.WriteWAV(&nanWAV, &media.Audio{SampleRate: rate, Channels: [][]float64{nan}},
		media.WAVFormat{Encoding: media.EncodingFloat, BitDepth: 32}); err != nil {
		t.Fatal(err)
	}
	write("low/nan.wav", nanWAV.Bytes())
	wantBad := map[string]string{
		"low/nan.wav":       "NaN",
		"low/truncated.wav": "truncated",
		"low/text.wav":      "not a usable WAV file",
		"low/picture.png":   "not a WAV file",
	}
	for _, gen := range []string{"spectrogram", "specaugment"} {
		t.Run(gen, func(t *testing.T) {
			add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"low": 8}}
			out, err := h.run(gen, gen, fmt.Sprintf(`{"n_fft": %d}`, nfft), add, 3)
			if err != nil {
				t.Fatalf("job with bad files failed: %v; want them skipped and reported", err)
			}
			rs := rows(t, out)
			if len(rs) != 8 {
				t.Fatalf("%d rows, want 8", len(rs))
			}
			used := map[string]bool{}
			for _, r := range rs {
				for _, s := range r.Sources {
					if _, bad := wantBad[s]; bad || !strings.HasPrefix(s, "low/") {
						t.Errorf("%s: made from %s", r.FileName, s)
					}
					used[s] = true
				}
			}
			if gen == "spectrogram" && len(used) != 4 {
				t.Errorf("spectrogram converted %d distinct files %v, want the 4 good ones (sample i is good file i mod 4)", len(used), used)
			}
			rep := generatorReport(t, out)
			bad, _ := rep["bad_files"].([]any)
			if len(bad) != len(wantBad) {
				t.Errorf("bad_files %v, want %d entries", bad, len(wantBad))
			}
			for _, b := range bad {
				m := b.(map[string]any)
				key, _ := m["key"].(string)
				reason, _ := m["reason"].(string)
				if want, ok := wantBad[key]; !ok || !strings.Contains(reason, want) || m["class"] != "low" {
					t.Errorf("bad file %v: want one of %v with its reason and class low", m, wantBad)
				}
			}
		})
	}
}
