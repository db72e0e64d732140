package smotegen_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/smotegen"
)

func TestValidate(t *testing.T) {
	g := smotegen.Generator{}
	good := []string{``, `null`, `{}`, `{"k":1}`, `{"k":1000,"size":"64x48","mode":"gray"}`, `{"size":"32"}`,
		`{"size":"","mode":"RGB"}`, `{"max_file_mib":1,"max_megapixels":1024,"sheet_per_class":0}`}
	for _, p := range good {
		if err := g.Validate(json.RawMessage(p)); err != nil {
			t.Errorf("Validate(%s) = %v, want nil", p, err)
		}
	}
	bad := []struct {
		params string
		want   []string // substrings of the message
	}{
		{`{"neighbours":3}`, []string{`unknown parameter "neighbours"`, "accepted parameters:", "k", "max_file_mib", "sheet_per_class"}},
		{`{"k":0}`, []string{"k 0", "1..1000"}},
		{`{"k":-2}`, []string{"k -2", "1..1000"}},
		{`{"k":1001}`, []string{"k 1001", "1..1000"}},
		{`{"k":2.5}`, []string{`"k"`, "number 2.5", "int"}},
		{`{"k":"5"}`, []string{`"k"`, "string", "int"}},
		{`{"size":"big"}`, []string{`size "big"`, "WIDTHxHEIGHT", `""`}},
		{`{"size":"0x10"}`, []string{`size "0x10"`, "1..16384"}},
		{`{"size":64}`, []string{`"size"`, "number", "string"}},
		{`{"mode":"rgba"}`, []string{`mode "rgba"`, "auto, gray or rgb"}},
		{`{"max_file_mib":0}`, []string{"max_file_mib 0", "1..4096"}},
		{`{"max_megapixels":2000}`, []string{"max_megapixels 2000", "1..1024"}},
		{`{"sheet_per_class":-1}`, []string{"sheet_per_class -1", "0..64"}},
		{`[1]`, []string{"smote params"}},
	}
	for _, c := range bad {
		t.Run(c.params, func(t *testing.T) {
			err := g.Validate(json.RawMessage(c.params))
			var pe *generators.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate = %v (%T), want a *generators.ParamError", err, err)
			}
			if !strings.HasPrefix(pe.Msg, "smote params: ") {
				t.Errorf("message %q does not start with %q", pe.Msg, "smote params: ")
			}
			for _, w := range c.want {
				if !strings.Contains(pe.Msg, w) {
					t.Errorf("message %q does not contain %q", pe.Msg, w)
				}
			}
		})
	}
}

// TestInfo checks that Info documents every parameter with its default.
func TestInfo(t *testing.T) {
	info := smotegen.Generator{}.Info()
	if info.Name != smotegen.Name || info.Heavy {
		t.Errorf("info %+v: want name %q, not heavy", info, smotegen.Name)
	}
	b, _ := json.Marshal(smotegen.DefaultParams())
	var defaults map[string]any
	_ = json.Unmarshal(b, &defaults)
	if len(info.Params) != len(defaults) {
		t.Errorf("Info documents %d parameters, Params has %d", len(info.Params), len(defaults))
	}
	for _, p := range info.Params {
		d, ok := defaults[p.Name]
		if !ok {
			t.Errorf("Info documents %q, which Params does not have", p.Name)
			continue
		}
		if p.Default != nil {
			if pb, _ := json.Marshal(p.Default); string(pb) != mustJSON(d) {
				t.Errorf("parameter %s: documented default %s, Params default %s", p.Name, pb, mustJSON(d))
			}
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
