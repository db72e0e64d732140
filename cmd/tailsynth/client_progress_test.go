package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestBar(t *testing.T) {
	tests := []struct {
		done, total int
		want        string
	}{
		{0, 10, "[------------------------------]  0/10   0%"},
		{5, 10, "[###############---------------]  5/10  50%"},
		{10, 10, "[##############################] 10/10 100%"},
		{1, 3, "[##########--------------------] 1/3  33%"},
		{12, 10, "[##############################] 10/10 100%"}, // clamped
		{3, 0, ""},
	}
	for _, tt := range tests {
		if got := bar(tt.done, tt.total); got != tt.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tt.done, tt.total, got, tt.want)
		}
	}
}

func parseJobView(t *testing.T, s string) jobView {
	t.Helper()
	var j jobView
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestProgressLines(t *testing.T) {
	j := parseJobView(t, `{"id":"job_1","state":"running","attempts":2,"cancel_requested":true,"progress":{"stage":"training",
		"details":{"step":120,"d_loss":-1.23456,"g_loss":0.5},
		"classes":{"a_very_long_class_name_that_goes_on":{"done":1,"total":2},"b":{"done":0,"total":4},"done_already":{"done":0,"total":0}}}}`)
	want := []string{
		"job_1  running  training (d_loss=-1.235 g_loss=0.5 step=120)  attempt 2  cancelling",
		"  a_very_long_class_name_~ [###############---------------] 1/2  50%",
		"  b                        [------------------------------] 0/4   0%",
	}
	if got := barLines(j); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("barLines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := summaryLine(j), "job_1  running  training (d_loss=-1.235 g_loss=0.5 step=120)  attempt 2  cancelling  a_very_long_class_name_that_goes_on 1/2  b 0/4"; got != want {
		t.Errorf("summaryLine =\n%q\nwant\n%q", got, want)
	}
}

func TestProgressManyClasses(t *testing.T) {
	classes := map[string]any{}
	for i := range maxClassRows + 5 {
		classes[fmt.Sprintf("c%02d", i)] = map[string]int{"done": 1, "total": 2}
	}
	b, _ := json.Marshal(map[string]any{"id": "j", "state": "running", "progress": map[string]any{"stage": "generating", "classes": classes}})
	lines := barLines(parseJobView(t, string(b)))
	if len(lines) != 1+maxClassRows+1 {
		t.Fatalf("got %d lines, want header, %d bars and a summary", len(lines), maxClassRows)
	}
	if got, want := lines[len(lines)-1], "  and 5 more classes: 5/10"; got != want {
		t.Errorf("last line = %q, want %q", got, want)
	}
}

func TestProgressViewTerminal(t *testing.T) {
	var w bytes.Buffer
	p := &progressView{w: &w, tty: true}
	p.update(parseJobView(t, `{"id":"j","state":"queued"}`))
	p.update(parseJobView(t, `{"id":"j","state":"running","progress":{"stage":"generating","classes":{"a":{"done":1,"total":2}}}}`))
	p.note("reconnecting")
	p.update(parseJobView(t, `{"id":"j","state":"succeeded"}`))
	want := "\x1b[Jj  queued\n" +
		"\x1b[1F\x1b[Jj  running  generating\n  a [###############---------------] 1/2  50%\n" +
		"reconnecting\n" +
		"\x1b[Jj  succeeded\n"
	if got := w.String(); got != want {
		t.Errorf("terminal output =\n%q\nwant\n%q", got, want)
	}
}

func TestProgressViewPlainSkipsRepeats(t *testing.T) {
	var w bytes.Buffer
	p := &progressView{w: &w}
	for _, s := range []string{`{"id":"j","state":"queued"}`, `{"id":"j","state":"queued"}`, `{"id":"j","state":"running"}`} {
		p.update(parseJobView(t, s))
	}
	if got, want := w.String(), "j  queued\nj  running\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
}
