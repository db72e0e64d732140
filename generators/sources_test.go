package generators_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

func TestSourceFloorCheck(t *testing.T) {
	plan := map[string]int{"a": 0, "b": 28, "c": 5, "d": 3}
	usable := map[string]int{"a": 1, "b": 1, "c": 2, "d": 7}
	f := generators.SourceFloor{MinSources: 2}
	alerts, err := f.Check("composite", plan, usable)
	var de *datasets.DatasetError
	if !errors.As(err, &de) || alerts != nil {
		t.Fatalf("Check = %v, %v; want a DatasetError", alerts, err)
	}
	for _, w := range []string{`class "b" has 1 readable training file`, "fewer than min_sources 2", "28 samples", "allow_few_sources"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), `"a"`) || strings.Contains(err.Error(), `"c"`) {
		t.Errorf("error %q names a class that gets no samples or meets the floor", err)
	}
	f.AllowFewSources = true
	alerts, err = f.Check("composite", plan, usable)
	if err != nil || len(alerts) != 1 {
		t.Fatalf("allowed: Check = %+v, %v; want one alert", alerts, err)
	}
	a := alerts[0]
	if a.Kind != generators.AlertFewSources || a.Severity != generators.SeverityAmber || a.Method != "composite" ||
		!strings.Contains(a.Message, `class "b" has 1 readable training file`) || !strings.Contains(a.Message, "min_sources 2") {
		t.Errorf("alert %+v", a)
	}
	// No readable file at all cannot be allowed: there is nothing to make
	// samples from.
	if _, err := f.Check("composite", map[string]int{"b": 3}, map[string]int{}); !errors.As(err, &de) || !strings.Contains(err.Error(), "no readable") {
		t.Errorf("no readable file, allowed: error %v, want a DatasetError", err)
	}
	// Meeting the floor: nothing.
	if alerts, err := (generators.SourceFloor{MinSources: 1}).Check("x", plan, usable); err != nil || alerts != nil {
		t.Errorf("floor met: %v, %v", alerts, err)
	}
}
