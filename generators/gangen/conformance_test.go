package gangen_test

import (
	"context"
	"testing"

	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/generators/generatortest"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

// TestConformance runs the suite on both GANs with tiny networks and
// save_model off; save_model on needs a model store, given here anyway.
func TestConformance(t *testing.T) {
	models := func(context.Context) (storage.Store, error) { return local.New(t.TempDir()) }
	t.Run("wgan-gp", func(t *testing.T) {
		generatortest.Run(t, generatortest.Case{Generator: gangen.WGAN{Models: models}, Kind: generatortest.Images, Volatile: []string{"model"},
			Params: `{` + tinyParams + `,"image_size":8,"save_model":false}`,
			Bad: []generatortest.BadParam{
				{Params: `{"arch": "resnet"}`, Want: []string{"arch", "conv", "mlp"}},
				{Params: `{"diffaugment": "flip"}`, Want: []string{"diffaugment", "translation"}},
			}})
	})
	t.Run("stftsynth", func(t *testing.T) {
		generatortest.Run(t, generatortest.Case{Generator: gangen.STFTSynth{Models: models}, Kind: generatortest.Audio, Volatile: []string{"model"},
			Params: `{` + stftTiny + `,"save_model":false}`,
			Bad: []generatortest.BadParam{
				{Params: `{"format": "mp3"}`, Want: []string{"format", "png16"}},
				{Params: `{"steps": 0}`, Want: []string{"steps", "time_budget"}},
			}})
	})
}
