package autogen_test

import (
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
)

// TestAutoRepeatsWinnersAlerts: an alert a winner raises (here oversample
// allowed below its min_sources) reaches the auto job's top-level alerts,
// and so its result and the CLI, not only the winner's nested report.
func TestAutoRepeatsWinnersAlerts(t *testing.T) {
	root := dataset(t)
	params := `{"candidates": [{"generator": "oversample", "params": {"min_sources": 7, "allow_few_sources": true}}], "judges": ["logreg"], "folds": 2}`
	rep, _ := runJob(t, registry(t), root, params, 3)
	n := 0
	for _, a := range rep.Alerts {
		if a.Kind == generators.AlertFewSources && strings.Contains(a.Message, `class "rare"`) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("alerts %+v, want the winner's few_sources alert for class \"rare\" once", rep.Alerts)
	}
}
