package spectrogen_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators/generatortest"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
)

func TestConformance(t *testing.T) {
	bad := []generatortest.BadParam{
		{Params: `{"window": "triangle"}`, Want: []string{"window", "hann"}},
		{Params: `{"n_fft": 0}`, Want: []string{"n_fft"}},
	}
	t.Run("spectrogram", func(t *testing.T) {
		generatortest.Run(t, generatortest.Case{Generator: spectrogen.Spectrogram{}, Kind: generatortest.Audio,
			Params: `{"n_fft": 128, "n_mels": 16}`, Bad: bad})
	})
	t.Run("specaugment", func(t *testing.T) {
		generatortest.Run(t, generatortest.Case{Generator: spectrogen.SpecAugment{}, Kind: generatortest.Audio,
			Params: `{"n_fft": 128, "n_mels": 16}`, Bad: bad})
	})
}
