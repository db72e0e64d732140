package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/quality"
)

// --method takes an optional @PROTOCOL after the generator or its JSON
// parameters; a '@' inside the JSON is a parameter's.
func TestMethodFlagProtocol(t *testing.T) {
	tests := []struct {
		in                          string
		name, gen, params, protocol string
	}{
		{`whole=composite:{"layout":"2x1"}@whole_dataset`, "whole", "composite", `{"layout":"2x1"}`, "whole_dataset"},
		{`composite@whole_dataset`, "", "composite", "", "whole_dataset"},
		{`composite:{"layout":"2x1"}@mixed`, "", "composite", `{"layout":"2x1"}`, "mixed"},
		{`composite:{"note":"a@b"}`, "", "composite", `{"note":"a@b"}`, ""},
		{`oversample`, "", "oversample", "", ""},
	}
	for _, tt := range tests {
		var m methodFlags
		if err := m.Set(tt.in); err != nil {
			t.Errorf("Set(%s): %v", tt.in, err)
			continue
		}
		if e := m[0]; e.Name != tt.name || e.Generator != tt.gen || string(e.Params) != tt.params || e.Protocol != tt.protocol {
			t.Errorf("Set(%s) = %+v (params %s), want name %q generator %q params %s protocol %q", tt.in, e, e.Params, tt.name, tt.gen, tt.params, tt.protocol)
		}
	}
	var m methodFlags
	if err := m.Set(`@whole_dataset`); err == nil || !strings.Contains(err.Error(), "@PROTOCOL") {
		t.Errorf("Set(@whole_dataset) = %v, want an error naming the accepted forms", err)
	}
}

// evaluate sends the protocol and --wait prints a whole_dataset row
// without a rank, marked, with a line on what it measured.
func TestEvaluateWholeDatasetRow(t *testing.T) {
	st := func(m float64) *quality.Stat { return &quality.Stat{Mean: m, N: 1} }
	rows := []evaluate.Row{
		{Rank: 1, Name: "real", Kind: evaluate.KindBaseline, Protocol: evaluate.ProtocolMixed, HeadlineJudge: quality.JudgeLogReg, MinorityF1: st(0.5),
			ByJudge: map[string]*evaluate.JudgeFigures{quality.JudgeLogReg: {MinorityF1: st(0.5)}}},
		{Name: "whole", Kind: evaluate.KindMethod, Protocol: evaluate.ProtocolWholeDataset, HeadlineJudge: quality.JudgeLogReg, MinorityF1: st(0.9),
			ByJudge: map[string]*evaluate.JudgeFigures{quality.JudgeLogReg: {MinorityF1: st(0.9)}},
			Alerts:  []evaluate.Alert{{Kind: "caveat", Severity: "amber", Method: "whole", Message: evaluate.WholeDatasetCaveat}}},
	}
	lb, _ := json.Marshal(map[string]any{"evaluation": json.RawMessage(`{"id":"ev_1","state":"succeeded","attempts":1}`),
		"leaderboard": rows, "minority": []string{"rare"}})
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST /v1/evaluations":
			fakeJSON(w, 202, `{"evaluation":{"id":"ev_1","state":"queued","attempts":0},"plan":{"total":3,"split":{"description":"test split"}}}`)
		case "GET /v1/jobs/ev_1/events":
			fakeSSE(w, "job", `{"id":"ev_1","state":"succeeded","attempts":1}`, "end", `{"state":"succeeded"}`)
		case "GET /v1/evaluations/ev_1":
			fakeJSON(w, 200, string(lb))
		default:
			fakeJSON(w, 404, `{"error":{"code":"not_found","message":"no route"}}`)
		}
	})
	code, stdout, stderr := runCLI(t, srv.URL, "evaluate", "--dataset", "demo", "--method", `whole=composite:{"layout":"2x1","size":28}@whole_dataset`, "--wait")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var sent struct {
		Methods []evaluate.Method `json:"methods"`
	}
	if err := json.Unmarshal(srv.got()[0].body, &sent); err != nil || len(sent.Methods) != 1 || sent.Methods[0].Protocol != "whole_dataset" || sent.Methods[0].Name != "whole" {
		t.Errorf("request methods %+v (%v), want whole with protocol whole_dataset", sent.Methods, err)
	}
	var row []string
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[1] == "whole" {
			row = f
		}
	}
	if got := strings.Join(row, " "); !strings.HasPrefix(got, "- whole (whole_dataset) 0.900") || !strings.HasSuffix(got, "caveat") {
		t.Errorf("whole row %q, want no rank, the protocol, its F1 and the caveat mark", got)
	}
	if !strings.Contains(stdout, "(whole_dataset): trained and tested on composites") || !strings.Contains(stderr, "composing a held-out tuple needs its label") {
		t.Errorf("stdout lacks the protocol line or stderr the caveat:\n%s\n%s", stdout, stderr)
	}
}
