package spectrogen_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage/local"
)

// BenchmarkGenerate measures one sample from 5 s files at 16 kHz with
// librosa's default STFT (n_fft 1024, hop 256: 513 bins × 313 frames).
// "warm" runs from the cache (analysis done once), "cold" analyses the
// file every time (cache_mib 0: read, decode, STFT).
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	const sr, secs, files = 16000, 5, 4
	var train []datasets.File
	for i := range files {
		key := fmt.Sprintf("c/%03d.wav", i)
		x := make([]float64, sr*secs)
		copy(x, tone(440*float64(i+1), i, sr*secs))
		writeWAV(b, filepath.Join(dir, key), &media.Audio{SampleRate: sr, Channels: [][]float64{x}})
		train = append(train, datasets.File{Key: key, Class: "c"})
	}
	st, err := local.New(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		gen    generators.Generator
		params string
	}{
		{"spectrogram/db-png16/warm", spectrogen.Spectrogram{}, `{}`},
		{"spectrogram/db-png16/cold", spectrogen.Spectrogram{}, `{"cache_mib": 0}`},
		{"spectrogram/mel_db-npy/warm", spectrogen.Spectrogram{}, `{"scale": "mel_db", "format": "npy"}`},
		{"specaugment/db-png16/warm", spectrogen.SpecAugment{}, `{"max_shift": 20, "mix_prob": 0.5}`},
		{"specaugment/waveform-32it/warm", spectrogen.SpecAugment{}, `{"waveform": true}`},
		{"specaugment/mel-waveform-32it/warm", spectrogen.SpecAugment{}, `{"scale": "mel_db", "waveform": true}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			env := &generators.Env{Params: json.RawMessage(bc.params), Seed: 1, Source: st,
				Train: map[string][]datasets.File{"c": train}, Plan: map[string]int{"c": 1}}
			ctx := context.Background()
			run, err := bc.gen.Start(ctx, env)
			if err != nil {
				b.Fatal(err)
			}
			for i := range files { // fill the cache
				if _, err := run.Generate(ctx, "c", i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := run.Generate(ctx, "c", files+i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
