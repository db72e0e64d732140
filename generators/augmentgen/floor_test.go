package augmentgen_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// TestFewSources: a class with one readable image fails the job by
// default (min_sources 2), naming the class and the way out; with
// allow_few_sources it succeeds with a few_sources alert in the result.
func TestFewSources(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("a", "rgb", 8)
	ds.pattern("b", "rgb", 1)
	ds.bad("b")
	p := newPipeline(t, root)
	_, err := p.Run(context.Background(), generators.Spec{ID: "e", Dataset: root + "/ds", Generator: "augment",
		Strategy: generators.Strategy{Mode: "auto"}, Output: root + "/out", Quality: generators.QualityOff}, func(generators.Progress) {})
	var de *datasets.DatasetError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a DatasetError", err, err)
	}
	for _, w := range []string{`class "b"`, "1 readable", "min_sources 2", "allow_few_sources"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	j := runJob(t, p, root, generators.Spec{ID: "ok", Dataset: root + "/ds", Params: []byte(`{"allow_few_sources":true}`),
		Strategy: generators.Strategy{Mode: "auto"}})
	if len(j.res.Alerts) != 1 || j.res.Alerts[0].Kind != generators.AlertFewSources || !strings.Contains(j.res.Alerts[0].Message, `class "b"`) {
		t.Errorf("alerts %+v, want one few_sources alert naming class \"b\"", j.res.Alerts)
	}
	if !strings.Contains(string(j.read(generators.ReportKey)), `"kind": "few_sources"`) {
		t.Error("report.json's alerts lack the few_sources alert")
	}
	// A floor the class meets raises nothing.
	j = runJob(t, p, root, generators.Spec{ID: "one", Dataset: root + "/ds", Params: []byte(`{"min_sources":1}`),
		Strategy: generators.Strategy{Mode: "auto"}})
	if len(j.res.Alerts) != 0 {
		t.Errorf("min_sources 1: alerts %+v, want none", j.res.Alerts)
	}
}
