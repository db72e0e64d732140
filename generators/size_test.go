package generators_test

import (
	"testing"

	"github.com/tailsynth/tailsynth/generators"
)

func TestDecodeSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{{`224`, "224", true}, {` 28 `, "28", true}, {`"672x224"`, "672x224", true}, {`""`, "", true}, {`2.5`, "", false}, {`true`, "", false}} {
		got, ok, err := generators.DecodeSize([]byte(tc.in))
		if got != tc.want || ok != tc.ok || err != nil {
			t.Errorf("DecodeSize(%s) = %q, %v, %v; want %q, %v, nil", tc.in, got, ok, err, tc.want, tc.ok)
		}
	}
}
