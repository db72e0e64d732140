package compositegen_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
)

// Every composite job's report carries the caveat that composites help a
// classifier that consumes composites: in report.json's top-level
// "alerts", the banner of report.html and the job's Result; its wording
// depends on whether every class got composites.
func TestCompositeCaveat(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("big", 6)
	ds.solid("rare", 3)
	p := newPipeline(t, root)
	tests := []struct {
		id   string
		add  map[string]int
		want string
	}{
		{"mixed", map[string]int{"rare": 3}, compositegen.CaveatMixed},
		{"whole", map[string]int{"rare": 3, "big": 3}, compositegen.CaveatWhole},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			j := runJob(t, p, root, generators.Spec{ID: tt.id, Dataset: root + "/ds", Params: []byte(`{"size":16}`),
				Strategy: generators.Strategy{Mode: generators.ModeAdd, Add: tt.add}, Seed: 1})
			var report struct {
				Alerts []generators.Alert `json:"alerts"`
			}
			if err := json.Unmarshal(j.read(generators.ReportKey), &report); err != nil {
				t.Fatal(err)
			}
			want := generators.Alert{Kind: generators.AlertCaveat, Severity: generators.SeverityAmber, Method: compositegen.Name, Message: tt.want}
			if len(report.Alerts) != 1 || report.Alerts[0] != want {
				t.Errorf("report.json alerts %+v, want [%+v]", report.Alerts, want)
			}
			if len(j.res.Alerts) != 1 || j.res.Alerts[0] != want {
				t.Errorf("result alerts %+v, want the caveat", j.res.Alerts)
			}
			page := string(j.read(generators.ReportHTMLKey))
			if !strings.Contains(page, `<p class="alert-amber">WARNING (caveat): `+tt.want[:40]) {
				t.Error("report.html lacks the caveat banner")
			}
		})
	}
}
