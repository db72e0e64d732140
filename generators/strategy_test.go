package generators_test

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
)

// TestStrategyMatchesImblearn checks every strategy against targets that
// imbalanced-learn 0.10 computed for the same counts
// (scripts/fixtures/strategy/make.py).
func TestStrategyMatchesImblearn(t *testing.T) {
	b, err := os.ReadFile("testdata/imblearn_targets.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Counts   map[string]int  `json:"counts"`
			Strategy json.RawMessage `json:"strategy"`
			Add      map[string]int  `json:"add"`
			Error    string          `json:"error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Cases) < 40 {
		t.Fatalf("only %d fixture cases", len(fx.Cases))
	}
	for _, c := range fx.Cases {
		var s generators.Strategy
		if err := json.Unmarshal(c.Strategy, &s); err != nil {
			t.Errorf("strategy %s: %v", c.Strategy, err)
			continue
		}
		got, err := s.Plan(c.Counts)
		if c.Error != "" {
			if err == nil {
				t.Errorf("Plan(%s, %v) = %v, want an error like imbalanced-learn's %q", c.Strategy, c.Counts, got, c.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("Plan(%s, %v): %v", c.Strategy, c.Counts, err)
			continue
		}
		if !maps.Equal(got, c.Add) {
			t.Errorf("Plan(%s, %v) = %v, imbalanced-learn: %v", c.Strategy, c.Counts, got, c.Add)
		}
	}
}

func TestStrategyErrors(t *testing.T) {
	counts := map[string]int{"common": 100, "rare": 5, "mid": 40}
	cases := []struct {
		strategy string
		want     string
	}{
		{`"sometimes"`, `unknown strategy "sometimes"`},
		{`0.5`, "a ratio applies to two classes only"},
		{`{"counts": {"unicorn": 10}}`, `class "unicorn" is not in the dataset (classes: common, mid, rare)`},
		{`{"counts": {"rare": 2}}`, `a final count of 2 for "rare" is below the 5 it has`},
		{`{"add": {"rare": -1}}`, "must be 0 or more"},
		{`{"counts": {"rare": 10}, "add": {"rare": 1}}`, "either counts or add"},
		{`{"bogus": 1}`, `unknown field "bogus"`},
		{`{}`, "strategy object is empty"},
		{`[1]`, "neither a string, a number nor an object"},
	}
	for _, c := range cases {
		var s generators.Strategy
		err := json.Unmarshal([]byte(c.strategy), &s)
		if err == nil {
			_, err = s.Plan(counts)
		}
		var se *generators.StrategyError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "accepted strategies") {
			t.Errorf("strategy %s: error %v, want a StrategyError containing %q and the accepted forms", c.strategy, err, c.want)
		}
	}
	two := map[string]int{"a": 100, "b": 10}
	for _, r := range []string{"0", "-0.5", "1.5"} {
		var s generators.Strategy
		_ = json.Unmarshal([]byte(r), &s)
		if _, err := s.Plan(two); err == nil || !strings.Contains(err.Error(), "outside (0, 1]") {
			t.Errorf("ratio %s: error %v, want outside (0, 1]", r, err)
		}
	}
}

func TestStrategyJSONRoundTrip(t *testing.T) {
	for _, in := range []string{`"auto"`, `"minority"`, `"not majority"`, `0.5`, `{"counts":{"a":3}}`, `{"add":{"a":3}}`} {
		var s generators.Strategy
		if err := json.Unmarshal([]byte(in), &s); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(s)
		if string(out) != in {
			t.Errorf("round trip %s -> %s", in, out)
		}
	}
	var s generators.Strategy
	_ = json.Unmarshal([]byte(`"NOT_MAJORITY"`), &s)
	if s.Mode != generators.ModeNotMajority {
		t.Errorf("NOT_MAJORITY parsed as %q", s.Mode)
	}
}
