package compositegen_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
)

func TestValidate(t *testing.T) {
	g := compositegen.Generator{}
	good := []string{``, `null`, `{}`, `{"layout":"3x1","size":64}`, `{"size":"672x224","layout":"1x3"}`,
		`{"fit":"fill","pad_color":"#ffffff80","filter":"lanczos","mode":"gray","keep16":true,"order":"ordered"}`,
		`{"augment":{"flip_h":0.5,"flip_v":0.1,"rotate":10,"brightness":5,"contrast":5,"gamma":0.2}}`,
		`{"png_level":"speed","cache_mib":16,"max_file_mib":8,"max_megapixels":4,"sheet_per_class":0}`}
	for _, p := range good {
		if err := g.Validate(json.RawMessage(p)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", p, err)
		}
	}
	bad := []struct {
		params string
		want   []string // substrings of the message
	}{
		{`{"layouts":"3x1"}`, []string{`unknown parameter "layouts"`, "accepted parameters:", "layout", "size"}},
		{`{"layout":"3by1"}`, []string{"layout", `"3by1"`, "ROWSxCOLS"}},
		{`{"layout":"9x1"}`, []string{"layout", "9x1", "1..8"}},
		{`{"layout":3}`, []string{`"layout"`, "number", "string"}},
		{`{"size":"big"}`, []string{"size", `"big"`, "WIDTHxHEIGHT"}},
		{`{"size":0}`, []string{"size", "0x0", "1..16384"}},
		{`{"size":224.5}`, []string{"size", "224.5", "a number such as 224"}},
		{`{"size":true}`, []string{"size", "true"}},
		{`{"size":2}`, []string{"size", "2x2", "too small for layout 3x1"}},
		{`{"fit":"zoom"}`, []string{"fit", `"zoom"`, "stretch, fit or fill"}},
		{`{"pad_color":"red"}`, []string{"pad_color", `"red"`, "#RRGGBB"}},
		{`{"filter":"fancy"}`, []string{"filter", `"fancy"`, "lanczos"}},
		{`{"mode":"cmyk"}`, []string{"mode", `"cmyk"`, "auto, gray, rgb or rgba"}},
		{`{"keep16":"yes"}`, []string{`"keep16"`, "bool"}},
		{`{"order":"random"}`, []string{"order", `"random"`, "unordered or ordered"}},
		{`{"augment":{"rotate":90}}`, []string{"augment", "rotate = 90", "0..45"}},
		{`{"augment":{"flip":1}}`, []string{`unknown parameter "flip"`}},
		{`{"png_level":"max"}`, []string{"png_level", `"max"`, "default, speed, best or none"}},
		{`{"cache_mib":0}`, []string{"cache_mib 0", "1..65536"}},
		{`{"max_file_mib":-1}`, []string{"max_file_mib -1"}},
		{`{"max_megapixels":5000}`, []string{"max_megapixels 5000", "1..1024"}},
		{`{"sheet_per_class":100}`, []string{"sheet_per_class 100", "0..64"}},
		{`[1]`, []string{"composite params"}},
	}
	for _, c := range bad {
		t.Run(c.params, func(t *testing.T) {
			err := g.Validate(json.RawMessage(c.params))
			var pe *generators.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate = %v (%T), want a *generators.ParamError", err, err)
			}
			if !strings.HasPrefix(pe.Msg, "composite params: ") {
				t.Errorf("message %q does not name the generator", pe.Msg)
			}
			for _, w := range c.want {
				if !strings.Contains(pe.Msg, w) {
					t.Errorf("message %q lacks %q", pe.Msg, w)
				}
			}
		})
	}
}

func TestRegister(t *testing.T) {
	r := generators.NewRegistry()
	if err := compositegen.Register(r); err != nil {
		t.Fatal(err)
	}
	if err := compositegen.Register(r); err == nil {
		t.Error("second Register succeeded, want an error")
	}
	g, err := r.Get("composite")
	if err != nil {
		t.Fatal(err)
	}
	info := g.Info()
	var names []string
	for _, p := range info.Params {
		names = append(names, p.Name)
	}
	// Info documents exactly the parameters the decoder accepts.
	_, accepted, _ := strings.Cut(g.Validate(json.RawMessage(`{"nope":1}`)).Error(), "accepted parameters: ")
	slices.Sort(names)
	if got := strings.Join(names, ", "); got != accepted || len(names) != 16 {
		t.Errorf("Info params %q, want the accepted parameters %q", got, accepted)
	}
	if info.Name != "composite" || len(info.Kinds) != 1 || info.Kinds[0] != "image" {
		t.Errorf("Info %+v", info)
	}
}
