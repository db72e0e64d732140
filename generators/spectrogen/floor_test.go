package spectrogen_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// TestFewSources: specaugment's floor (min_sources, default 2) fails a
// class with one readable WAV, naming the class; allow_few_sources lets
// the job succeed with a few_sources alert. spectrogram converts files,
// so its default floor is 1.
func TestFewSources(t *testing.T) {
	h := newHarness(t)
	ds := filepath.Join(h.root, "ds")
	writeDataset(t, ds, map[string]int{"low": 1, "high": 4})
	if err := os.WriteFile(filepath.Join(ds, "low", "text.wav"), []byte("not a WAV"), 0o644); err != nil {
		t.Fatal(err)
	}
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"low": 3}}
	for _, tc := range []struct {
		gen, params string
		fail        bool
		alert       bool
	}{
		{"specaugment", `{"n_fft": 256}`, true, false},
		{"specaugment", `{"n_fft": 256, "allow_few_sources": true}`, false, true},
		{"spectrogram", `{"n_fft": 256}`, false, false},
		{"spectrogram", `{"n_fft": 256, "min_sources": 2}`, true, false},
		{"spectrogram", `{"n_fft": 256, "min_sources": 2, "allow_few_sources": true}`, false, true},
	} {
		id := tc.gen + "-" + strings.NewReplacer(" ", "", "\"", "", ":", "", ",", "-", "{", "", "}", "").Replace(tc.params)
		out, err := h.run(id, tc.gen, tc.params, add, 1)
		if tc.fail {
			var de *datasets.DatasetError
			if !errors.As(err, &de) {
				t.Errorf("%s %s: error %v (%T), want a DatasetError", tc.gen, tc.params, err, err)
				continue
			}
			for _, w := range []string{`class "low"`, "1 readable", "min_sources 2", "allow_few_sources"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s %s: error %q lacks %q", tc.gen, tc.params, err, w)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", tc.gen, tc.params, err)
			continue
		}
		var rep struct {
			Alerts []generators.Alert `json:"alerts"`
		}
		if err := json.Unmarshal(readAll(t, out, generators.ReportKey), &rep); err != nil {
			t.Fatal(err)
		}
		got := len(rep.Alerts) == 1 && rep.Alerts[0].Kind == generators.AlertFewSources && strings.Contains(rep.Alerts[0].Message, `class "low"`)
		if got != tc.alert || (!tc.alert && len(rep.Alerts) > 0) {
			t.Errorf("%s %s: report alerts %+v, want a few_sources alert naming class \"low\": %v", tc.gen, tc.params, rep.Alerts, tc.alert)
		}
	}
}
