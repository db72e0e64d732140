package generators_test

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"regexp"
	"strconv"
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

// TestRatioRefusalHints checks issue 13 item 17: a ratio that adds nothing
// is refused (as imbalanced-learn does), and the refusal names a ratio that
// does add a sample, or says that none can.
func TestRatioRefusalHints(t *testing.T) {
	hinted := regexp.MustCompile(`use a ratio of at least ([0-9.]+)`)
	cases := []struct {
		counts map[string]int
		ratio  float64
	}{
		{map[string]int{"a": 100, "b": 10}, 0.05},  // fewer than it has
		{map[string]int{"a": 100, "b": 10}, 0.1},   // exactly what it has
		{map[string]int{"a": 24, "b": 3}, 0.125},   // exactly what it has
		{map[string]int{"a": 10, "b": 9}, 0.9},     // 10*0.9 rounds down to 9
		{map[string]int{"a": 7, "b": 300}, 0.02},   // the minority named first
		{map[string]int{"a": 1000, "b": 999}, 0.5}, // one short of equal
	}
	for _, c := range cases {
		s := generators.Strategy{Mode: generators.ModeRatio, Ratio: c.ratio}
		_, err := s.Plan(c.counts)
		var se *generators.StrategyError
		if !errors.As(err, &se) {
			t.Errorf("ratio %v on %v: error %v, want a StrategyError", c.ratio, c.counts, err)
			continue
		}
		m := hinted.FindStringSubmatch(err.Error())
		if m == nil {
			t.Errorf("ratio %v on %v: %q names no ratio to use", c.ratio, c.counts, err)
			continue
		}
		r, _ := strconv.ParseFloat(strings.TrimSuffix(m[1], "."), 64)
		add, err := generators.Strategy{Mode: generators.ModeRatio, Ratio: r}.Plan(c.counts)
		if err != nil || add["a"]+add["b"] < 1 {
			t.Errorf("ratio %v on %v: the hinted ratio %v adds %v (%v), want at least one sample", c.ratio, c.counts, r, add, err)
		}
		if _, err := (generators.Strategy{Mode: generators.ModeRatio, Ratio: r - 0.0001}).Plan(c.counts); err == nil {
			t.Errorf("ratio %v on %v: the hinted ratio %v is not the smallest (4 decimals) that adds a sample", c.ratio, c.counts, r)
		}
	}
	// Two classes of the same size: no ratio in (0, 1] adds anything.
	for _, r := range []float64{1, 0.5} {
		_, err := generators.Strategy{Mode: generators.ModeRatio, Ratio: r}.Plan(map[string]int{"a": 10, "b": 10})
		if err == nil || hinted.MatchString(err.Error()) || !strings.Contains(err.Error(), "same size") || !strings.Contains(err.Error(), `{"add"`) {
			t.Errorf("ratio %v on two classes of 10: error %v, want a refusal that says no ratio can help and names {\"add\": ...}", r, err)
		}
	}
}
