package augmentgen_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/augmentgen"
)

func TestValidate(t *testing.T) {
	g := augmentgen.Generator{}
	good := []string{``, `null`, `{}`, `{"preset":"medium"}`, `{"preset":"STRONG","disable":["ElasticTransform"]}`,
		`{"transforms":["HorizontalFlip",{"name":"Affine","p":1,"rotate":[-5,5],"scale":[0.9,1]}]}`,
		`{"transforms":[]}`,
		`{"border":"constant","fill":0.5,"size":64}`, `{"size":"32x24"}`,
		`{"png_level":"speed","cache_mib":0,"max_file_mib":8,"max_megapixels":4,"sheet_per_class":0}`}
	for _, p := range good {
		if err := g.Validate(json.RawMessage(p)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", p, err)
		}
	}
	bad := []struct {
		params string
		want   []string // substrings of the message
	}{
		{`{"presets":"light"}`, []string{`unknown parameter "presets"`, "accepted parameters:", "preset", "transforms"}},
		{`{"preset":"heavy"}`, []string{`preset "heavy"`, "light, medium, strong"}},
		{`{"preset":"light","transforms":["HorizontalFlip"]}`, []string{`preset "light" and transforms`, "one or the other"}},
		{`{"transforms":["Flip"]}`, []string{"transforms[0]", `unknown transform "Flip"`, "HorizontalFlip, VerticalFlip, Affine"}},
		{`{"transforms":["HorizontalFlip",{"name":"Affine","rotate":500}]}`, []string{"transforms[1]", "Affine rotate [-500, 500]", "-180 <= lo <= hi <= 180"}},
		{`{"transforms":[{"name":"Affine","angle":5}]}`, []string{"transforms[0]", `no parameter "angle"`, "translate_percent, rotate, scale, shear"}},
		{`{"transforms":[{"name":"GaussNoise","p":2}]}`, []string{"GaussNoise p 2", "0..1"}},
		{`{"transforms":"HorizontalFlip"}`, []string{`"transforms"`, "string"}},
		{`{"disable":["Mixup"]}`, []string{"disable", `unknown transform "Mixup"`, "CoarseDropout"}},
		{`{"border":"wrap"}`, []string{`border "wrap"`, "reflect", "constant"}},
		{`{"fill":2}`, []string{"fill 2", "0..1"}},
		{`{"p":1.5}`, []string{"p 1.5", "0..1", "exact copies"}},
		{`{"p":-0.1}`, []string{"p -0.1", "0..1"}},
		{`{"size":"big"}`, []string{"size", `"big"`, "WIDTHxHEIGHT"}},
		{`{"size":0}`, []string{"size", "0x0"}},
		{`{"size":99999}`, []string{"size"}},
		{`{"size":2.5}`, []string{"size", "2.5"}},
		{`{"png_level":"max"}`, []string{`png_level "max"`, "default, speed, best or none"}},
		{`{"cache_mib":-1}`, []string{"cache_mib -1", "0..65536"}},
		{`{"max_file_mib":0}`, []string{"max_file_mib 0", "1..4096"}},
		{`{"max_megapixels":5000}`, []string{"max_megapixels 5000", "1..1024"}},
		{`{"sheet_per_class":100}`, []string{"sheet_per_class 100", "0..32"}},
		{`[1]`, []string{"augment params"}},
	}
	for _, c := range bad {
		t.Run(c.params, func(t *testing.T) {
			err := g.Validate(json.RawMessage(c.params))
			var pe *generators.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate = %v (%T), want a *generators.ParamError", err, err)
			}
			if !strings.HasPrefix(pe.Msg, "augment params: ") {
				t.Errorf("message %q does not start with the generator's name", pe.Msg)
			}
			for _, w := range c.want {
				if !strings.Contains(pe.Msg, w) {
					t.Errorf("message %q does not contain %q", pe.Msg, w)
				}
			}
		})
	}
}

func TestInfo(t *testing.T) {
	info := augmentgen.Generator{}.Info()
	if info.Name != "augment" || len(info.Kinds) != 1 || info.Kinds[0] != "image" || info.Heavy {
		t.Errorf("info %+v", info)
	}
	// Every parameter DecodeParams accepts is documented.
	var names []string
	for _, p := range info.Params {
		names = append(names, p.Name)
	}
	b, _ := json.Marshal(augmentgen.DefaultParams())
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k := range m {
		if !strings.Contains(strings.Join(names, ","), k) {
			t.Errorf("parameter %q is not in Info", k)
		}
	}
}
