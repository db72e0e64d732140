package autogen_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators/autogen"
	"github.com/tailsynth/tailsynth/generators/generatortest"
)

func TestConformance(t *testing.T) {
	reg := registry(t)
	g, err := reg.Get(autogen.Name)
	if err != nil {
		t.Fatal(err)
	}
	generatortest.Run(t, generatortest.Case{Generator: g, Registry: reg, Kind: generatortest.Images,
		Params: `{"judges": ["logreg"], "folds": 2, "candidates": [{"generator": "oversample"}, {"generator": "smote", "params": {"k": 2}}]}`,
		Bad: []generatortest.BadParam{
			{Params: `{"judges": ["svm"]}`, Want: []string{"judges", "logreg", "cnn"}},
			{Params: `{"folds": 1}`, Want: []string{"folds"}},
		}})
}
