package spectrogen_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

// TestSpectrogramConverts runs the pipeline on a tone dataset and checks
// that every file is converted once, that the PNG holds the right
// spectrogram (values recovered through the row's scale match an
// independent computation, the tone is in the right row) and that the
// conversion does not depend on the seed.
func TestSpectrogramConverts(t *testing.T) {
	h := newHarness(t)
	writeDataset(t, filepath.Join(h.root, "ds"), map[string]int{"low": 5, "high": 3})
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"low": 5, "high": 3}}
	params := fmt.Sprintf(`{"n_fft": %d}`, nfft)
	out := h.mustRun("a", "spectrogram", params, add, 1)

	data := keys(t, out, "data/")
	if len(data) != 8 {
		t.Fatalf("%d data files %q, want 8", len(data), data)
	}
	rs := rows(t, out)
	if len(rs) != 8 {
		t.Fatalf("%d metadata rows, want 8", len(rs))
	}
	wantBin := map[string]int{"low": 16, "high": 64} // tone/31.25 Hz
	for _, r := range rs {
		// Sample i is file i (files sorted by key).
		if want := fmt.Sprintf("%s/%03d.wav", r.Label, r.Index); len(r.Sources) != 1 || r.Sources[0] != want {
			t.Errorf("%s: sources %q, want [%s]", r.FileName, r.Sources, want)
		}
		if r.SampleRate != rate || r.Samples != nSamples || r.STFT["hop_length"] != float64(hop) {
			t.Errorf("%s: sample_rate %d, analysed_samples %d, stft %v", r.FileName, r.SampleRate, r.Samples, r.STFT)
		}
		b := readAll(t, out, r.FileName)
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		img, _ := png.Decode(bytes.NewReader(b))
		g, ok := img.(*image.Gray16)
		if !ok || cfg.Width != frames || cfg.Height != bins {
			t.Fatalf("%s: %T %dx%d, want *image.Gray16 %dx%d", r.FileName, img, cfg.Width, cfg.Height, frames, bins)
		}
		if r.Scale.Kind != "db" || r.Scale.Max-r.Scale.Min > 80+1e-9 || r.Scale.Max != 0 {
			t.Errorf("%s: scale %+v, want db within [-80, 0] with max 0 (ref max, top_db 80)", r.FileName, r.Scale)
		}
		got, err := spectro.ReadPNG16(bytes.NewReader(b), r.Scale)
		if err != nil {
			t.Fatal(err)
		}
		want := toDB(t, h.referencePower(r.Sources[0]))
		// Quantisation: half a step. The generators keep |X|² as float32
		// (relative error 6e-8, 3e-7 dB): 1e-5 dB of slack covers it.
		if d, tol := maxAbsDiff(got.Data, want.Data), r.Scale.Step()/2+1e-5; d > tol {
			t.Errorf("%s: recovered values differ from the reference by %g dB, want <= %g", r.FileName, d, tol)
		}
		if pb := peakBin(got); pb != wantBin[r.Label] {
			t.Errorf("%s: peak bin %d, want %d (%v Hz)", r.FileName, pb, wantBin[r.Label], tones[r.Label])
		}
		// Low frequencies at the bottom: the tone's pixel row is bins-1-bin.
		if y, want := brightestRow(g), bins-1-wantBin[r.Label]; y != want {
			t.Errorf("%s: brightest image row %d, want %d", r.FileName, y, want)
		}
	}
	rep := generatorReport(t, out)
	cache := rep["cache"].(map[string]any)
	if cache["loads"] != 8.0 || rep["distinct_sources"] != 8.0 {
		t.Errorf("report cache %v, distinct_sources %v: want 8 loads, 8 sources", cache, rep["distinct_sources"])
	}
	sheet, err := png.Decode(bytes.NewReader(readAll(t, out, "__report/spectrograms.png")))
	if err != nil {
		t.Fatalf("spectrograms.png: %v", err)
	}
	if b := sheet.Bounds(); b.Dx() < 4*128 || b.Dy() < 2*96 {
		t.Errorf("spectrograms.png is %v, want room for 2 classes of 4 tiles", b)
	}

	// A conversion ignores the seed.
	other := h.mustRun("b", "spectrogram", params, add, 99)
	for _, k := range data {
		if !bytes.Equal(readAll(t, out, k), readAll(t, other, k)) {
			t.Errorf("%s differs between seeds 1 and 99", k)
		}
	}
	if !bytes.Equal(readAll(t, out, generators.MetadataKey), bytes.ReplaceAll(readAll(t, other, generators.MetadataKey), []byte(`"seed":99`), []byte(`"seed":1`))) {
		t.Error("metadata.jsonl differs between seeds beyond the seed field")
	}
}

// brightestRow returns the pixel row (from the top) with the largest sum.
func brightestRow(g *image.Gray16) int {
	best, arg := -1.0, -1
	for y := 0; y < g.Bounds().Dy(); y++ {
		var s float64
		for x := 0; x < g.Bounds().Dx(); x++ {
			s += float64(g.Gray16At(x, y).Y)
		}
		if s > best {
			best, arg = s, y
		}
	}
	return arg
}

// TestSpectrogramMelNPY checks the mel dB scale in npy form against a
// direct computation, the band of the tone, and cycling past the files.
func TestSpectrogramMelNPY(t *testing.T) {
	h := newHarness(t)
	writeDataset(t, filepath.Join(h.root, "ds"), map[string]int{"low": 3})
	params := fmt.Sprintf(`{"n_fft": %d, "scale": "mel_db", "n_mels": 32, "format": "npy", "ref": 1}`, nfft)
	out := h.mustRun("a", "spectrogram", params, generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"low": 5}}, 1)
	bank, err := spectro.NewMelBank(spectro.MelConfig{SampleRate: rate, NFFT: nfft, NMels: 32})
	if err != nil {
		t.Fatal(err)
	}
	edges := bank.EdgesHz()
	rs := rows(t, out)
	if len(rs) != 5 {
		t.Fatalf("%d rows, want 5", len(rs))
	}
	for _, r := range rs {
		if !strings.HasSuffix(r.FileName, ".npy") || len(r.Shape) != 2 || r.Shape[0] != 32 || r.Shape[1] != frames {
			t.Fatalf("%s: shape %v, want [32 %d] in .npy", r.FileName, r.Shape, frames)
		}
		got := readNPY(t, readAll(t, out, r.FileName))
		mel, err := bank.Apply(nil, h.referencePower(r.Sources[0]))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := spectro.PowerToDB(nil, mel.Data, spectro.DBConfig{Ref: 1, Amin: 1e-10, TopDB: 80})
		// float32 output: |v|·2^-24 ≈ 6e-6 dB for |v| <= 100, plus the
		// float32 power of the cache.
		if d := maxAbsDiff(got.Data, want); d > 1e-4 {
			t.Errorf("%s: differs from the reference mel dB by %g", r.FileName, d)
		}
		// Band m spans edges m..m+2 and peaks at edge m+1.
		if m := peakBin(got); !(edges[m] < 500 && 500 < edges[m+2]) {
			t.Errorf("%s: peak band %d spans %v..%v Hz, want 500 Hz inside", r.FileName, m, edges[m], edges[m+2])
		}
		if r.DBRef != 1 {
			t.Errorf("%s: db_ref %v, want the fixed ref 1", r.FileName, r.DBRef)
		}
		if wantCycle := r.Index / 3; r.Cycle != wantCycle {
			t.Errorf("%s: cycle %d, want %d", r.FileName, r.Cycle, wantCycle)
		}
	}
	// Samples 3 and 4 convert files 0 and 1 again, from the cache.
	for i := 3; i < 5; i++ {
		if !bytes.Equal(readAll(t, out, rs[i].FileName), readAll(t, out, rs[i-3].FileName)) {
			t.Errorf("sample %d differs from sample %d, both of %s", i, i-3, rs[i].Sources[0])
		}
	}
	// Start's check analysed each file once; every sample is a hit.
	cache := generatorReport(t, out)["cache"].(map[string]any)
	if cache["loads"] != 3.0 || cache["hits"] != 5.0 {
		t.Errorf("cache %v: want 3 loads, 5 hits", cache)
	}
}

// TestSpectrogramChannelsAndCut checks channel handling and max_seconds on
// a stereo file whose channels hold different tones.
func TestSpectrogramChannelsAndCut(t *testing.T) {
	h := newHarness(t)
	writeWAV(t, filepath.Join(h.root, "ds", "x", "stereo.wav"), &media.Audio{SampleRate: rate,
		Channels: [][]float64{tone(500, 0, nSamples), tone(2000, 0, nSamples)}})
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"x": 1}}
	for _, tc := range []struct {
		channels string
		peaks    []int // bins within 3 dB of the loudest (Hann neighbours are 6 dB down)
	}{
		{"first", []int{16}},
		{"mean", []int{16, 64}},
	} {
		t.Run(tc.channels, func(t *testing.T) {
			params := fmt.Sprintf(`{"n_fft": %d, "format": "npy", "channels": %q, "max_seconds": 0.25}`, nfft, tc.channels)
			out := h.mustRun(tc.channels, "spectrogram", params, add, 1)
			r := rows(t, out)[0]
			if r.Samples != 2000 || r.TruncatedAt != 0.25 {
				t.Errorf("analysed_samples %d, truncated_at_seconds %v: want 2000, 0.25", r.Samples, r.TruncatedAt)
			}
			s := readNPY(t, readAll(t, out, r.FileName))
			if s.Frames != 1+2000/hop {
				t.Errorf("%d frames, want %d", s.Frames, 1+2000/hop)
			}
			var loud []int
			means := make([]float64, s.Bins)
			top := math.Inf(-1)
			for b := range means {
				for _, v := range s.Row(b) {
					means[b] += v / float64(s.Frames)
				}
				top = math.Max(top, means[b])
			}
			for b, m := range means {
				if m > top-3 {
					loud = append(loud, b)
				}
			}
			if fmt.Sprint(loud) != fmt.Sprint(tc.peaks) {
				t.Errorf("loudest bins %v, want %v", loud, tc.peaks)
			}
		})
	}
}
