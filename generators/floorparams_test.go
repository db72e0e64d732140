package generators_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/augmentgen"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
)

// TestSourceFloorParams: every generator takes min_sources and
// allow_few_sources, documents them with its default, and refuses bad
// values with a parameter error saying what is accepted.
func TestSourceFloorParams(t *testing.T) {
	for _, tc := range []struct {
		g   generators.Generator
		def int
	}{
		{generators.Oversample{}, 1},
		{compositegen.Generator{}, 2},
		{augmentgen.Generator{}, 2},
		{smotegen.Generator{}, 2},
		{spectrogen.Spectrogram{}, 1},
		{spectrogen.SpecAugment{}, 2},
		{gangen.WGAN{}, 2},
		{gangen.STFTSynth{}, 2},
	} {
		name := tc.g.Info().Name
		documented := map[string]any{}
		for _, p := range tc.g.Info().Params {
			documented[p.Name] = p.Default
		}
		if d, ok := documented["min_sources"]; !ok || d != tc.def {
			t.Errorf("%s: Info documents min_sources default %v (listed %v), want %d", name, d, ok, tc.def)
		}
		if _, ok := documented["allow_few_sources"]; !ok {
			t.Errorf("%s: Info lacks allow_few_sources", name)
		}
		for _, good := range []string{`{"min_sources": 3}`, `{"allow_few_sources": true}`} {
			if err := tc.g.Validate(json.RawMessage(good)); err != nil {
				t.Errorf("%s: Validate(%s) = %v", name, good, err)
			}
		}
		for _, bad := range []struct{ params, want string }{
			{`{"min_sources": 0}`, "min_sources 0: want"},
			{`{"min_sources": -3}`, "min_sources -3: want"},
			{`{"min_sources": 2000000}`, "min_sources 2000000: want"},
			{`{"min_sources": "two"}`, `"min_sources"`},
			{`{"allow_few_sources": "yes"}`, `"allow_few_sources"`},
		} {
			err := tc.g.Validate(json.RawMessage(bad.params))
			var pe *generators.ParamError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), bad.want) {
				t.Errorf("%s: Validate(%s) = %v, want a ParamError containing %q", name, bad.params, err, bad.want)
			}
		}
	}
}
