package evaluate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage/local"
)

func TestFeaturizerImages(t *testing.T) {
	dir := t.TempDir()
	gray := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 17) // 0, 17, ..., 255
	}
	writePNG(t, filepath.Join(dir, "a", "gray.png"), gray)
	big := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range big.Pix {
		big.Pix[i] = 255 // opaque white, grey as RGB
	}
	writePNG(t, filepath.Join(dir, "b", "white.png"), big)
	if err := os.WriteFile(filepath.Join(dir, "b", "broken.png"), []byte("\x89PNG\r\n\x1a\nnope"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files := []datasets.File{{Key: "a/gray.png", Class: "a"}, {Key: "b/white.png", Class: "b"}}
	ctx := context.Background()

	fz, err := evaluate.NewFeaturizer(ctx, st, files, evaluate.FeatureOptions{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if fz.Color != evaluate.ColorGray || fz.Dim != 16 {
		t.Fatalf("color %q dim %d, want gray 16 (every image is grey)", fz.Color, fz.Dim)
	}
	rows, err := fz.Load(ctx, st, []string{"a/gray.png", "b/broken.png", "b/white.png"})
	if err != nil {
		t.Fatal(err)
	}
	if rows.X.Rows != 2 || len(rows.Skipped) != 1 || rows.Skipped[0].Key != "b/broken.png" {
		t.Fatalf("rows %d, skipped %v; want 2 rows and broken.png skipped", rows.X.Rows, rows.Skipped)
	}
	for i := range 16 {
		if got, want := rows.X.Data[i], float32(i*17)/255; got != want {
			t.Errorf("gray pixel %d = %v, want %v (same size: no resampling)", i, got, want)
		}
		// 8x8 white resized to 4x4 stays white up to 16-bit rounding.
		if got := rows.X.Data[16+i]; math.Abs(float64(got)-1) > 1e-4 {
			t.Errorf("resized white pixel %d = %v, want 1", i, got)
		}
	}

	red := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < len(red.Pix); i += 4 {
		red.Pix[i], red.Pix[i+3] = 255, 255
	}
	writePNG(t, filepath.Join(dir, "c", "red.png"), red)
	fz, err = evaluate.NewFeaturizer(ctx, st, append(files, datasets.File{Key: "c/red.png", Class: "c"}), evaluate.FeatureOptions{Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	if fz.Color != evaluate.ColorRGB || fz.Dim != 48 {
		t.Fatalf("color %q dim %d, want rgb 48 (one image has colour)", fz.Color, fz.Dim)
	}
	rows, _ = fz.Load(ctx, st, []string{"c/red.png"})
	if got := rows.X.Data[:3]; got[0] != 1 || got[1] != 0 || got[2] != 0 {
		t.Errorf("red pixel = %v, want [1 0 0]", got)
	}
	if _, err := evaluate.NewFeaturizer(ctx, st, files, evaluate.FeatureOptions{Color: "cmyk"}); err == nil {
		t.Error("colour mode cmyk accepted")
	}
}

func writeWAV(t *testing.T, path string, freq float64, rate int, rng *rand.Rand) {
	t.Helper()
	x := make([]float64, rate/4)
	for i := range x {
		x[i] = 0.5*math.Sin(2*math.Pi*freq*float64(i)/float64(rate)) + 0.01*rng.NormFloat64()
	}
	var buf bytes.Buffer
	if err := media.WriteWAV(&buf, &media.Audio{SampleRate: rate, Channels: [][]float64{x}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Audio datasets get log-mel summaries; copies of the held-out recordings
// are again at Fréchet distance 0 with precision and recall 1, and a file
// at another sample rate is skipped.
func TestJobQualityAudio(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	rng := rand.New(rand.NewPCG(1, 2))
	for split, n := range map[string]int{"train": 12, "test": 8} {
		for class, f := range map[string]float64{"low": 300, "high": 2500} {
			count := n
			if class == "high" && split == "train" {
				count = 4
			}
			for i := range count {
				writeWAV(t, filepath.Join(dir, split, class, fmt.Sprintf("%02d.wav", i)), f*(1+0.05*rng.Float64()), 8000, rng)
			}
		}
	}
	writeWAV(t, filepath.Join(dir, "test", "low", "other-rate.wav"), 300, 16000, rng)
	p := testPipeline(t, &evaluate.Hook{Config: fastConfig()}, []generators.Generator{heldOutWAV{}}, root)
	q, _, _ := runJob(t, p, generators.Spec{Dataset: "file://" + dir, Generator: "heldoutwav", Seed: 1, Output: "file://" + root + "/out",
		Strategy: generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"high": 8}}})
	if q.Features == nil || q.Features.Kind != evaluate.KindAudio || q.Features.Dim != 80 || q.Features.SampleRate != 8000 {
		t.Fatalf("features %+v, want audio, 80 values, 8000 Hz (errors %v)", q.Features, q.Errors)
	}
	f := classFidelity(t, q, "high")
	if f.Frechet == nil || f.Frechet.Distance > 1e-6 || f.PrecisionRecall == nil || f.PrecisionRecall.Precision != 1 || f.PrecisionRecall.Recall != 1 {
		t.Errorf("copies of held-out recordings: Fréchet %+v, precision/recall %+v; want 0 and 1, 1", f.Frechet, f.PrecisionRecall)
	}
	if q.NUnreadable != 1 || q.Unreadable[0].Key != "test/low/other-rate.wav" {
		t.Errorf("unreadable %v, want the 16 kHz file", q.Unreadable)
	}
	// The CNN reads images: audio is judged by logistic regression alone,
	// and the report says so.
	if !slices.Equal(q.Judges, []string{evaluate.JudgeLogReg}) || q.HeadlineJudge != evaluate.JudgeLogReg || len(q.UtilityByJudge) != 1 ||
		!strings.Contains(q.UtilityNote, `the "cnn" judge reads images`) {
		t.Errorf("audio judges %v (headline %q, %d results), note %q; want logreg alone, with a note", q.Judges, q.HeadlineJudge, len(q.UtilityByJudge), q.UtilityNote)
	}

	// An evaluation of audio defaults to the logistic judge and refuses
	// the CNN with a ParamError (400) naming what is accepted.
	for _, tt := range []struct {
		judges []string
		want   string // the error, or the default judges
	}{
		{nil, "logreg"},
		{[]string{"cnn", "logreg"}, `accepted for audio: ["logreg"]`},
	} {
		req := evaluate.Request{Dataset: "file://" + dir, Methods: []evaluate.Method{{Generator: "heldoutwav"}}, Judges: tt.judges,
			Strategy: &generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"high": 8}}}
		if err := req.Normalize(p.Registry); err != nil {
			t.Fatal(err)
		}
		_, _, err := evaluate.Check(context.Background(), p, &req)
		var pe *generators.ParamError
		switch {
		case tt.judges == nil && (err != nil || strings.Join(req.Judges, ",") != tt.want):
			t.Errorf("audio evaluation: judges %v, err %v; want %s", req.Judges, err, tt.want)
		case tt.judges != nil && (!errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("audio evaluation with judges %v: %v, want a ParamError containing %q", tt.judges, err, tt.want)
		}
	}
}

// heldOutWAV is heldOutCopy for WAV files.
type heldOutWAV struct{ heldOutCopy }

func (heldOutWAV) Info() generators.Info {
	return generators.Info{Name: "heldoutwav", Description: "test only: copies held-out WAV files", Kinds: []string{"audio"}}
}

func (g heldOutWAV) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	r, err := g.heldOutCopy.Start(ctx, env)
	if err != nil {
		return nil, err
	}
	return wavRun{r.(copyRun)}, nil
}

type wavRun struct{ copyRun }

func (r wavRun) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	s, err := r.copyRun.Generate(ctx, class, i)
	if err == nil {
		s.Ext, s.ContentType = ".wav", "audio/wav"
	}
	return s, err
}
