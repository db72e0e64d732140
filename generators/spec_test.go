package generators_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

func TestSpecValidate(t *testing.T) {
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	ok := generators.Spec{Dataset: root + "/ds", Generator: "oversample", Output: root + "/out"}
	for _, c := range []struct {
		name   string
		change func(*generators.Spec)
		want   string // in the error; "" for none
	}{
		{"valid", func(*generators.Spec) {}, ""},
		{"quality off", func(s *generators.Spec) { s.Quality = generators.QualityOff }, ""},
		{"bad quality", func(s *generators.Spec) { s.Quality = "maybe"; s.Generator = "nope" }, `quality "maybe"`}, // quality comes first
		{"unknown generator", func(s *generators.Spec) { s.Generator = "nope" }, `unknown generator "nope"; available: oversample`},
		{"bad params", func(s *generators.Spec) { s.Params = []byte(`{"bogus": 1}`) }, "unknown parameter"},
		{"output inside dataset", func(s *generators.Spec) { s.Output = root + "/ds/out" }, "is inside the dataset"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := ok
			c.change(&s)
			gen, err := s.Validate(reg)
			if c.want == "" {
				if err != nil || gen == nil || gen.Info().Name != s.Generator {
					t.Fatalf("Validate = %v, %v; want the generator", gen, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate error %v, want one containing %q", err, c.want)
			}
			var pe *generators.ParamError
			var de *datasets.DatasetError
			if !errors.As(err, &pe) && !errors.As(err, &de) {
				t.Errorf("error %T, want *ParamError or *DatasetError", err)
			}
		})
	}
}
