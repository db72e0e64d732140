package smotegen_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators/generatortest"
	"github.com/tailsynth/tailsynth/generators/smotegen"
)

func TestConformance(t *testing.T) {
	generatortest.Run(t, generatortest.Case{Generator: smotegen.Generator{}, Kind: generatortest.Images,
		Params: `{"k": 2, "sheet_per_class": 2}`,
		Bad: []generatortest.BadParam{
			{Params: `{"k": 0}`, Want: []string{"k"}},
			{Params: `{"mode": "cubic"}`, Want: []string{"mode"}},
		}})
}
