package augmentgen_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators/augmentgen"
	"github.com/tailsynth/tailsynth/generators/generatortest"
)

func TestConformance(t *testing.T) {
	generatortest.Run(t, generatortest.Case{Generator: augmentgen.Generator{}, Kind: generatortest.Images,
		Params: `{"preset": "medium", "sheet_per_class": 2}`,
		Bad: []generatortest.BadParam{
			{Params: `{"preset": "extreme"}`, Want: []string{"preset", "light", "medium", "strong"}},
			{Params: `{"p": 2}`, Want: []string{"p"}},
		}})
}
