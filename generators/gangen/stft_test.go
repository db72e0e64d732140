package gangen_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

// stftTiny: 32-point STFT (16 bins kept), hop 8, 8-frame windows.
const stftTiny = `"steps":3,"batch_size":4,"base":4,"z_dim":4,"n_critic":1,"n_fft":32,"hop_length":8,"frames":8,"grid_per_class":2,"memorization_samples":4`

// TestSTFTSynthJob trains on tones, writes 16-bit PNG spectrograms of the
// model's shape whose recorded scale recovers the npy job's dB values, and
// reuses the model for npy and waveform output.
func TestSTFTSynthJob(t *testing.T) {
	e := newEnv(t)
	toneDataset(t, e.root+"/tones", 3, 2)
	writeFile(t, e.root+"/tones", "high/broken.wav", []byte("RIFF...."))
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"high": 3}}
	j := e.mustRun("png", gangen.STFTName, "tones", `{`+stftTiny+`}`, add, 11)
	if len(j.rows) != 3 {
		t.Fatalf("%d rows, want 3", len(j.rows))
	}
	models := j.gen["training_samples"].(map[string]any)
	// 2000 samples, hop 8, centred: 251 frames -> 8 windows of 8 frames per file (max_windows 8).
	if models["high"] != 16.0 || models["low"] != 24.0 {
		t.Errorf("training windows %v, want high 16 (2 files x 8), low 24", models)
	}
	bad, _ := j.gen["bad_files"].([]any)
	if len(bad) != 1 || !strings.Contains(bad[0].(map[string]any)["reason"].(string), "WAV") {
		t.Errorf("bad_files = %v, want high/broken.wav as not a usable WAV file", bad)
	}
	pngs := map[string]*spectro.Spectrogram[float64]{}
	for _, r := range j.rows {
		key := r["file_name"].(string)
		b := j.read(key)
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := img.(*image.Gray16); !ok || img.Bounds() != image.Rect(0, 0, 8, 16) {
			t.Fatalf("%s: %T %v, want a 16-bit gray PNG 8 frames wide, 16 bins high", key, img, img.Bounds())
		}
		sc := r["scale"].(map[string]any)
		if sc["min"] != -80.0 || sc["max"] != 0.0 || sc["kind"] != "db" {
			t.Fatalf("%s: scale %v, want db from -80 to 0", key, sc)
		}
		s, err := spectro.ReadPNG16(bytes.NewReader(b), spectro.PNGScale{Min: -80, Max: 0, Kind: "db"})
		if err != nil {
			t.Fatal(err)
		}
		pngs[strings.TrimSuffix(key[strings.LastIndex(key, "/")+1:], ".png")] = s
	}
	if _, err := png.Decode(bytes.NewReader(j.read(gangen.GridKey))); err != nil {
		t.Errorf("grid: %v", err)
	}
	id, _ := j.gen["model"].(string)

	// The same model and seed as npy: float32 dB; the PNGs decode to them
	// within half a quantisation step (80/65535/2 dB) plus float32 rounding.
	jn := e.mustRun("npy", gangen.STFTName, "tones", `{"model":"`+id+`","format":"npy","grid_per_class":0}`, add, 11)
	if n := jn.prog.stages()["training"]; n != 0 {
		t.Errorf("npy job with model trained %d steps, want none", n)
	}
	tol := 80.0/65535/2 + 1e-4
	for _, r := range jn.rows {
		key := r["file_name"].(string)
		s, err := spectro.ReadNPY[float32](bytes.NewReader(jn.read(key)))
		if err != nil {
			t.Fatal(err)
		}
		p := pngs[strings.TrimSuffix(key[strings.LastIndex(key, "/")+1:], ".npy")]
		if p == nil || s.Bins != 16 || s.Frames != 8 {
			t.Fatalf("%s: %dx%d npy (png found: %v), want 16x8 matching a png sample", key, s.Bins, s.Frames, p != nil)
		}
		worst := 0.0
		for i, v := range s.Data {
			if float64(v) < -80-1e-4 || v > 0 {
				t.Fatalf("%s: value %v outside [-80, 0] dB", key, v)
			}
			worst = max(worst, math.Abs(float64(v)-p.Data[i]))
		}
		if worst > tol {
			t.Errorf("%s: png decodes up to %.3g dB from the npy values, want <= %.3g", key, worst, tol)
		}
	}

	// Waveforms: float32 WAV at the dataset's rate, of the frames' length.
	jw := e.mustRun("wav", gangen.STFTName, "tones", `{"model":"`+id+`","waveform":true,"iterations":4,"grid_per_class":0}`, add, 11)
	for _, r := range jw.rows {
		a, err := media.ReadWAV(bytes.NewReader(jw.read(r["file_name"].(string))))
		if err != nil {
			t.Fatal(err)
		}
		// centred STFT: (frames - 1) * hop samples.
		if a.SampleRate != 8000 || a.Frames() != 7*8 || a.Encoding != media.EncodingFloat {
			t.Errorf("waveform: %d Hz, %d samples, %v, want 8000 Hz float, 56 samples", a.SampleRate, a.Frames(), a.Encoding)
		}
	}
	// A model's features cannot be overridden.
	_, err := e.run("clash", gangen.STFTName, "tones", `{"model":"`+id+`","n_fft":64}`, add, 1)
	var pe *generators.ParamError
	if !errors.As(err, &pe) {
		t.Errorf("model with n_fft: err = %v, want a ParamError", err)
	}
	// An image model is refused.
	imageDataset(t, e.root+"/img", map[string]int{"common": 4, "rare": 2})
	ji := e.mustRun("img", gangen.WGANName, "img", `{"steps":1,"batch_size":4,"base":4,"z_dim":4,"n_critic":1,"image_size":8,"grid_per_class":0}`,
		generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"rare": 1}}, 1)
	_, err = e.run("kind", gangen.STFTName, "tones", `{"model":"`+ji.gen["model"].(string)+`"}`, add, 1)
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "image samples") {
		t.Errorf("image model for stftsynth: err = %v, want a ParamError about image samples", err)
	}
}

func TestSTFTParamErrors(t *testing.T) {
	tests := []struct{ params, want string }{
		{`{"n_fft":100}`, "multiple of 8"},
		{`{"n_fft":8}`, "n_fft 8"},
		{`{"hop_length":0}`, "hop_length 0"},
		{`{"frames":30}`, "divisible by 4"},
		{`{"n_mels":30}`, "divisible by 4"},
		{`{"n_mels":2}`, "n_mels 2"},
		{`{"top_db":0}`, "top_db"},
		{`{"format":"jpeg"}`, "format"},
		{`{"waveform":true,"hop_length":256}`, "NOLA"},
		{`{"iterations":0}`, "iterations"},
		{`{"model":"m_00000000000000ff","frames":32}`, "cannot be set with model"},
		{`{"n_mels":64,"format":"npy"}`, ""},
	}
	for _, tt := range tests {
		err := gangen.STFTSynth{}.Validate([]byte(tt.params))
		var pe *generators.ParamError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%s) = %v, want nil", tt.params, err)
		case tt.want != "" && (!errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%s) = %v, want a ParamError containing %q", tt.params, err, tt.want)
		}
	}
}
