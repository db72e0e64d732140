package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
)

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		in, want string // want: the JSON sent, or "error: <substring>"
	}{
		{"auto", `"auto"`},
		{"minority", `"minority"`},
		{"not majority", `"not majority"`},
		{"not-minority", `"not minority"`},
		{"NOT_MAJORITY", `"not majority"`},
		{"all", `"all"`},
		{"0.5", `0.5`},
		{"1", `1`},
		{" 0.25 ", `0.25`},
		{"counts:rare=500,other=20", `{"counts":{"other":20,"rare":500}}`},
		{"counts: rare = 500 , other=20", `{"counts":{"other":20,"rare":500}}`},
		{"add:rare=100", `{"add":{"rare":100}}`},
		{"add:a:b=1", `{"add":{"a:b":1}}`},
		{`{"add":{"rare":100}}`, `{"add":{"rare":100}}`},
		{`"minority"`, `"minority"`},
		{"", "error: empty"},
		{"0", "error: (0, 1]"},
		{"1.5", "error: (0, 1]"},
		{"-0.5", "error: (0, 1]"},
		{"NaN", "error: (0, 1]"},
		{"counts:", `error: "" is not CLASS=N`},
		{"counts:rare", `error: "rare" is not CLASS=N`},
		{"counts:=5", `error: "=5" is not CLASS=N`},
		{"add:rare=-1", "error: 0 or more"},
		{"add:rare=1.5", "error: whole number"},
		{"add:rare=1,rare=2", `error: class "rare" is given twice`},
		{"majority", "error: unknown form"},
		{"rare=100", "error: unknown form"},
		{`{"add":`, "error: not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseStrategy(tt.in)
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("parseStrategy(%q) = %s, %v; want an error containing %q", tt.in, got, err, want)
				}
				if err != nil && !strings.Contains(err.Error(), "accepted:") {
					t.Errorf("error %q does not say what is accepted", err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("parseStrategy(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestParseStrategyServerAccepts checks every form the flag produces
// against the server's own decoder.
func TestParseStrategyServerAccepts(t *testing.T) {
	for _, in := range []string{"auto", "not-majority", "minority", "not minority", "all", "0.5", "counts:a=3,b=4", "add:a=1"} {
		b, err := parseStrategy(in)
		if err != nil {
			t.Fatalf("parseStrategy(%q): %v", in, err)
		}
		var s generators.Strategy
		if err := json.Unmarshal(b, &s); err != nil {
			t.Errorf("the server refuses %s (from %q): %v", b, in, err)
		}
	}
}
