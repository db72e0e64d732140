package smotegen_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// TestFewSources: SMOTE's floor (min_sources, default 2, at least 2: it
// interpolates between two rows) fails a class below it with a message
// naming the class, or, with allow_few_sources, lets the job succeed with
// a few_sources alert. One row stays an error either way.
func TestFewSources(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.patterns("a", 9, 8, 8)
	ds.patterns("b", 3, 8, 8)
	ds.badImages("b")
	err := runErr(t, root, generators.Spec{ID: "e", Dataset: root + "/ds", Params: []byte(`{"min_sources":4}`),
		Strategy: generators.Strategy{Mode: "auto"}})
	var de *datasets.DatasetError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a DatasetError", err, err)
	}
	for _, w := range []string{`class "b"`, "3 readable", "min_sources 4", "allow_few_sources"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "ok", Dataset: root + "/ds",
		Params: []byte(`{"min_sources":4,"allow_few_sources":true}`), Strategy: generators.Strategy{Mode: "auto"}})
	if len(j.res.Alerts) != 1 || j.res.Alerts[0].Kind != generators.AlertFewSources || !strings.Contains(j.res.Alerts[0].Message, `class "b"`) {
		t.Errorf("alerts %+v, want one few_sources alert naming class \"b\"", j.res.Alerts)
	}

	root = t.TempDir()
	ds = newDataset(t, root+"/ds")
	ds.patterns("a", 6, 8, 8)
	ds.patterns("b", 1, 8, 8)
	err = runErr(t, root, generators.Spec{ID: "e", Dataset: root + "/ds", Params: []byte(`{"allow_few_sources":true}`),
		Strategy: generators.Strategy{Mode: "auto"}})
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `class "b" has one usable training file`) {
		t.Errorf("one row with allow_few_sources: error %v, want SMOTE's one-row DatasetError", err)
	}
}
