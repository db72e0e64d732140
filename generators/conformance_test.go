package generators_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/generatortest"
)

// TestConformance runs the generator acceptance suite on oversample, on
// images and on audio.
func TestConformance(t *testing.T) {
	bad := []generatortest.BadParam{{Params: `{"max_bytes": -1}`, Want: []string{"max_bytes"}}}
	t.Run("images", func(t *testing.T) {
		generatortest.Run(t, generatortest.Case{Generator: generators.Oversample{}, Kind: generatortest.Images, Params: `{}`, Bad: bad})
	})
	t.Run("audio", func(t *testing.T) {
		generatortest.Run(t, generatortest.Case{Generator: generators.Oversample{}, Kind: generatortest.Audio, Params: `{}`, Bad: bad})
	})
}
