package compositegen_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/generators/generatortest"
)

func TestConformance(t *testing.T) {
	generatortest.Run(t, generatortest.Case{Generator: compositegen.Generator{}, Kind: generatortest.Images,
		Params: `{"layout": "2x1", "size": 16, "sheet_per_class": 2}`,
		Bad: []generatortest.BadParam{
			{Params: `{"layout": "0x1"}`, Want: []string{"layout"}},
			{Params: `{"fit": "squash"}`, Want: []string{"fit", "stretch"}},
		}})
}
