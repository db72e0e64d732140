package gangen_test

import (
	"bytes"
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/media"
)

// TestSTFTSynthSkipsBadWAVs: truncated WAVs (one cut right after its
// header), text named .wav, a WAV of NaN samples and a PNG in an audio
// class are left out of training and listed per file in bad_files; the
// job succeeds.
func TestSTFTSynthSkipsBadWAVs(t *testing.T) {
	e := newEnv(t)
	root := e.root + "/tones"
	toneDataset(t, root, 3, 3)
	good, err := os.ReadFile(filepath.Join(root, "high", "ta.wav"))
	if err != nil {
		t.Fatal(err)
	}
	nan := make([]float64, 2000)
	for i := range nan {
		nan[i] = math.NaN()
	}
	var nanWAV bytes.Buffer
	if err := media.WriteWAV(&nanWAV, &media.Audio{SampleRate: 8000, Channels: [][]float64{nan}},
		media.WAVFormat{Encoding: media.EncodingFloat, BitDepth: 32}); err != nil {
		t.Fatal(err)
	}
	wantBad := map[string]string{
		"high/truncated.wav": "WAV",
		"high/text.wav":      "WAV",
		"high/empty.wav":     "truncated",
		"high/nan.wav":       "NaN",
		"high/picture.png":   "not a WAV file",
	}
	writeFile(t, root, "high/truncated.wav", good[:len(good)/2])
	writeFile(t, root, "high/text.wav", []byte("this is not a WAV file\n"))
	writeFile(t, root, "high/empty.wav", good[:44])
	writeFile(t, root, "high/nan.wav", nanWAV.Bytes())
	writeFile(t, root, "high/picture.png", encodePNG(t, image.NewGray(image.Rect(0, 0, 4, 4))))
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"high": 2}}
	j, err := e.run("j", gangen.STFTName, "tones", `{`+stftTiny+`,"save_model":false}`, add, 3)
	if err != nil {
		t.Fatalf("job with bad WAVs failed: %v; want them skipped and reported", err)
	}
	bad, _ := j.gen["bad_files"].([]any)
	got := map[string]bool{}
	for _, b := range bad {
		m := b.(map[string]any)
		key, _ := m["key"].(string)
		reason, _ := m["reason"].(string)
		got[key] = true
		if want, ok := wantBad[key]; !ok || !strings.Contains(reason, want) {
			t.Errorf("bad file %v: want one of %v with its reason", m, wantBad)
		}
	}
	for k := range wantBad {
		if !got[k] {
			t.Errorf("bad_files %v lacks %s", bad, k)
		}
	}
	if n := j.gen["training_samples"].(map[string]any)["high"]; n != 24.0 {
		t.Errorf("high trained on %v windows, want 24 (3 good files x 8)", n)
	}
}

// TestFewSources: both GAN generators refuse a class that gets samples
// with fewer readable files than min_sources (default 2), naming the
// class; allow_few_sources trains anyway and raises a few_sources alert.
func TestFewSources(t *testing.T) {
	e := newEnv(t)
	imageDataset(t, e.root+"/imgs", map[string]int{"common": 6, "rare": 1})
	writeFile(t, e.root+"/imgs", "rare/text.png", []byte("not an image"))
	toneDataset(t, e.root+"/tones", 3, 1)
	writeFile(t, e.root+"/tones", "high/text.wav", []byte("not a WAV"))
	for _, tc := range []struct {
		gen, dataset, class, params string
	}{
		{gangen.WGANName, "imgs", "rare", `"steps":2,"batch_size":4,"base":4,"z_dim":4,"n_critic":1,"grid_per_class":0,"memorization_samples":0,"save_model":false`},
		{gangen.STFTName, "tones", "high", stftTiny + `,"save_model":false`},
	} {
		add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{tc.class: 2}}
		_, err := e.run(tc.gen+"-refused", tc.gen, tc.dataset, `{`+tc.params+`}`, add, 1)
		var de *datasets.DatasetError
		if !errors.As(err, &de) {
			t.Errorf("%s: error %v (%T), want a DatasetError", tc.gen, err, err)
		} else {
			for _, w := range []string{`class "` + tc.class + `"`, "1 readable", "min_sources 2", "allow_few_sources"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error %q lacks %q", tc.gen, err, w)
				}
			}
		}
		j, err := e.run(tc.gen+"-allowed", tc.gen, tc.dataset, `{`+tc.params+`,"allow_few_sources":true}`, add, 1)
		if err != nil {
			t.Errorf("%s with allow_few_sources: %v", tc.gen, err)
			continue
		}
		n := 0
		for _, a := range j.res.Alerts {
			if a.Kind == generators.AlertFewSources && strings.Contains(a.Message, `class "`+tc.class+`"`) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: alerts %+v, want one few_sources alert naming class %q", tc.gen, j.res.Alerts, tc.class)
		}
	}
}
