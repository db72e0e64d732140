package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/quality"
)

// evaluate --judges sends the judges; --wait prints each judge's minority
// F1 and lift over SMOTE, the headline judge first, and the harm alerts
// of every judge.
func TestEvaluateWaitPrintsJudges(t *testing.T) {
	st := func(m float64) *quality.Stat { return &quality.Stat{Mean: m, N: 1} }
	lift := func(m float64) *quality.Lift { return &quality.Lift{MinorityF1: quality.Stat{Mean: m, N: 1}} }
	harm := evaluate.Alert{Kind: "harm", Severity: "red", Judge: quality.JudgeLogReg, Method: "noise", Metric: evaluate.MetricMinorityF1, Over: quality.VariantReal,
		Lift: -0.08, Message: "method noise lowers minority F1 by 0.080 vs real (noise 0.000, logreg judge)"}
	noiseCNN := &evaluate.JudgeFigures{MinorityF1: st(0.61), LiftOverSMOTE: lift(0.03), MacroF1: st(0.7), BalancedAccuracy: st(0.75), LiftOverReal: lift(0.01)}
	noiseLR := &evaluate.JudgeFigures{MinorityF1: st(0.42), LiftOverSMOTE: lift(-0.12), Alerts: []evaluate.Alert{harm}}
	rows := []evaluate.Row{
		{Rank: 1, Name: "noise", Kind: evaluate.KindMethod, HeadlineJudge: quality.JudgeCNN, MinorityF1: noiseCNN.MinorityF1, MacroF1: noiseCNN.MacroF1,
			BalancedAccuracy: noiseCNN.BalancedAccuracy, LiftOverReal: noiseCNN.LiftOverReal, LiftOverSMOTE: noiseCNN.LiftOverSMOTE,
			ByJudge: map[string]*evaluate.JudgeFigures{quality.JudgeLogReg: noiseLR, quality.JudgeCNN: noiseCNN}, Alerts: []evaluate.Alert{harm}},
		{Rank: 2, Name: "real", Kind: evaluate.KindBaseline, HeadlineJudge: quality.JudgeCNN, MinorityF1: st(0.55),
			ByJudge: map[string]*evaluate.JudgeFigures{quality.JudgeCNN: {MinorityF1: st(0.55)}, quality.JudgeLogReg: {MinorityF1: st(0.50)}}},
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
	code, stdout, stderr := runCLI(t, srv.URL, "evaluate", "--dataset", "demo", "--method", "noise", "--judges", "cnn, logreg", "--wait")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	t.Logf("stdout:\n%s", stdout)
	var sent struct {
		Judges []string `json:"judges"`
	}
	if err := json.Unmarshal(srv.got()[0].body, &sent); err != nil || strings.Join(sent.Judges, ",") != "cnn,logreg" {
		t.Errorf("request judges %v (%v), want [cnn logreg]", sent.Judges, err)
	}
	lines := strings.Split(stdout, "\n")
	var header, noise []string
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) > 1 && f[0] == "RANK":
			header = f
		case len(f) > 1 && f[1] == "noise":
			noise = f
		}
	}
	if h := strings.Join(header, " "); !strings.HasPrefix(h, "RANK NAME F1 CNN LIFT/SMOTE CNN F1 LOGREG LIFT/SMOTE LOGREG MACRO F1") {
		t.Errorf("header %q, want each judge's F1 and lift over SMOTE, the headline (cnn) first", h)
	}
	if got := strings.Join(noise[:6], " "); got != "1 noise 0.610 +0.030 0.420 -0.120" {
		t.Errorf("noise row %q, want cnn 0.610 +0.030 then logreg 0.420 -0.120", got)
	}
	if !strings.Contains(stdout, "judges: cnn, logreg; headline cnn") {
		t.Errorf("stdout does not name the headline judge:\n%s", stdout)
	}
	if !strings.Contains(stderr, "WARNING: method noise lowers minority F1 by 0.080 vs real (noise 0.000, logreg judge)") {
		t.Errorf("stderr lacks the logreg judge's warning:\n%s", stderr)
	}
}
