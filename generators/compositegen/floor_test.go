package compositegen_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
)

// TestFewSources: a class with one readable image (its other files bad)
// fails the job with a message naming the class, the floor and the way
// out, instead of writing identical composites; allow_few_sources lets it
// succeed with a few_sources alert in the result and report.json.
func TestFewSources(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("common", 30)
	ds.solid("rare", 1)
	ds.bad("rare")
	p := newPipeline(t, root)
	spec := generators.Spec{ID: "refused", Dataset: root + "/ds", Generator: compositegen.Name, Params: []byte(`{"size":48}`),
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 1, Output: root + "/out"}
	_, err := p.Run(context.Background(), spec, func(generators.Progress) {})
	var de *datasets.DatasetError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a DatasetError", err, err)
	}
	for _, w := range []string{`class "rare"`, "1 readable", "min_sources 2", "allow_few_sources"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}

	j := runJob(t, p, root, generators.Spec{ID: "allowed", Dataset: root + "/ds", Params: []byte(`{"size":48,"allow_few_sources":true}`),
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 1})
	if j.res.Added["rare"] != 24 {
		t.Fatalf("added %v, want 24 rare composites", j.res.Added)
	}
	found := 0
	for _, a := range j.res.Alerts {
		if a.Kind == generators.AlertFewSources {
			found++
			if a.Severity != generators.SeverityAmber || !strings.Contains(a.Message, `class "rare"`) || !strings.Contains(a.Message, "min_sources 2") {
				t.Errorf("alert %+v, want amber, naming class \"rare\" and min_sources 2", a)
			}
		}
	}
	if found != 1 {
		t.Errorf("result alerts %+v, want one %s alert", j.res.Alerts, generators.AlertFewSources)
	}
	if !strings.Contains(string(j.read(generators.ReportKey)), `"kind": "few_sources"`) {
		t.Error("report.json's alerts lack the few_sources alert")
	}
	if !strings.Contains(string(j.read(generators.ReportHTMLKey)), `class &#34;rare&#34; has 1 readable`) {
		t.Error("report.html's banner lacks the few_sources alert")
	}
}
