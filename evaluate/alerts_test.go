package evaluate_test

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/storage"
)

// variant builds a VariantResult whose runs (seeds 1, 2, ...) score the
// given minority F1 values and a balanced accuracy of f1 + 0.1 each.
func variant(name string, f1 ...float64) quality.VariantResult {
	v := quality.VariantResult{Name: name, Seeded: len(f1) > 1}
	ba := make([]float64, len(f1))
	for i, x := range f1 {
		ba[i] = x + 0.1
		v.Runs = append(v.Runs, quality.Run{Seed: int64(i + 1), MinorityF1: x, Metrics: quality.Metrics{BalancedAccuracy: x + 0.1}})
	}
	v.MinorityF1, v.BalancedAccuracy = stat(f1), stat(ba)
	return v
}

func stat(v []float64) quality.Stat {
	s := quality.Stat{N: len(v)}
	for _, x := range v {
		s.Mean += x / float64(len(v))
	}
	if len(v) > 1 {
		var ss float64
		for _, x := range v {
			ss += (x - s.Mean) * (x - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(len(v)-1))
	}
	return s
}

// The harm rule on hand-made results: harm is a mean paired lift below
// −max(noise, 0.01).
func TestHarmAlertsRule(t *testing.T) {
	real := variant(quality.VariantReal, 0.80)
	ros := variant(quality.VariantRandomOversampling, 0.80, 0.84, 0.82) // std 0.02
	tests := []struct {
		name   string
		method quality.VariantResult
		noROS  bool // judge against real alone
		// want lists "over metric severity" of the expected alerts;
		// wantNoise is the noise of those over random oversampling.
		want      []string
		wantNoise float64
	}{
		// 0.50 − ros: lifts −0.30, −0.34, −0.32: std 0.02.
		{"far below both", variant("m", 0.50), false, []string{"real minority_f1 red", "real balanced_accuracy red",
			"random_oversampling minority_f1 amber", "random_oversampling balanced_accuracy amber"}, 0.02},
		{"deterministic tie", variant("m", 0.80), true, nil, 0},
		{"below real by less than the floor", variant("m", 0.795), true, nil, 0},
		{"above both", variant("m", 0.9), false, nil, 0},
		// 0.795 − ros: lifts −0.005, −0.045, −0.025: mean −0.025 below
		// −0.02; over real −0.005 is within the floor.
		{"below random oversampling by more than its spread", variant("m", 0.795), false, []string{
			"random_oversampling minority_f1 amber", "random_oversampling balanced_accuracy amber"}, 0.02},
		// 0.805 − ros: lifts 0.005, −0.035, −0.015: mean −0.015, within 0.02.
		{"within the spread of random oversampling", variant("m", 0.805), false, nil, 0},
		// Seeded: over real −0.10, −0.06, −0.08 (mean −0.08, std 0.02);
		// over ros paired per seed −0.1 each (std 0, but both variants
		// spread 0.02 across seeds: the noise is 0.02).
		{"seeded, paired per seed", variant("m", 0.70, 0.74, 0.72), false, []string{"real minority_f1 red", "real balanced_accuracy red",
			"random_oversampling minority_f1 amber", "random_oversampling balanced_accuracy amber"}, 0.02},
		// Paired lifts −0.03, −0.03, −0.03 (std 0) but each variant spreads
		// 0.05 across seeds: a drop within the seeds' spread, not flagged.
		{"paired drop within the variants' spread", variant("m", 0.77, 0.87, 0.82), false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &quality.UtilityResult{Variants: []quality.VariantResult{real, ros, tt.method}}
			if tt.noROS {
				u.Variants = []quality.VariantResult{real, tt.method}
			}
			alerts := evaluate.HarmAlerts(u, "m")
			var got []string
			for _, a := range alerts {
				got = append(got, a.Over+" "+a.Metric+" "+a.Severity)
				if a.Kind != generators.AlertHarm || a.Judge != "logreg" || a.Method != "m" || a.Lift >= -a.Threshold ||
					a.Threshold != max(a.Noise, evaluate.HarmFloor) || !strings.Contains(a.Message, "method m lowers") {
					t.Errorf("alert %+v: inconsistent", a)
				}
				if a.Over == quality.VariantRandomOversampling && math.Abs(a.Noise-tt.wantNoise) > 1e-9 {
					t.Errorf("noise over random oversampling %.4f, want %.4f", a.Noise, tt.wantNoise)
				}
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("alerts %q, want %q", got, tt.want)
			}
		})
	}
	if a := evaluate.HarmAlerts(nil, "m"); a != nil {
		t.Errorf("nil result: %v", a)
	}
	u := &quality.UtilityResult{Variants: []quality.VariantResult{real, ros}}
	if a := evaluate.HarmAlerts(u, "absent"); a != nil {
		t.Errorf("absent method: %v", a)
	}
	// The same rule for another judge's result names that judge.
	u = &quality.UtilityResult{Config: quality.UtilityConfig{Judge: quality.JudgeCNN}, Variants: []quality.VariantResult{real, ros, variant("m", 0.5)}}
	if a := evaluate.HarmAlerts(u, "m"); len(a) != 4 || a[0].Judge != quality.JudgeCNN || !strings.Contains(a[0].Message, "cnn judge") {
		t.Errorf("CNN-judged result: %+v, want 4 alerts naming the cnn judge", a)
	}
	// A baseline is judged against the other baseline only.
	low := variant(quality.VariantRandomOversampling, 0.5, 0.5)
	u = &quality.UtilityResult{Variants: []quality.VariantResult{real, low}}
	if a := evaluate.HarmAlerts(u, quality.VariantRandomOversampling); len(a) != 2 || a[0].Over != quality.VariantReal {
		t.Errorf("random oversampling below real: %+v, want 2 alerts over real", a)
	}
}

// variantBA builds a VariantResult of one unseeded run with the given
// minority F1 and balanced accuracy.
func variantBA(name string, f1, ba float64) quality.VariantResult {
	return quality.VariantResult{Name: name, Runs: []quality.Run{{Seed: 1, MinorityF1: f1, Metrics: quality.Metrics{BalancedAccuracy: ba}}},
		MinorityF1: stat([]float64{f1}), BalancedAccuracy: stat([]float64{ba})}
}

// A fall smaller than one held-out test example is not harm: with 5 rare
// test rows one example is 1/5 of the rare class's recall, and a
// deterministic judge's spread of 0 does not make a 0.1 fall meaningful.
// With 300 rare test rows the same fall is 30 examples, and flagged.
func TestHarmAlertsResolution(t *testing.T) {
	// Minority F1 falls by 0.1, balanced accuracy (2 classes) by 0.05:
	// what one rare test example out of 5 does to each, about.
	u := func(testCounts []int, f1, ba float64) *quality.UtilityResult {
		return &quality.UtilityResult{Config: quality.UtilityConfig{NumClasses: 2, ClassNames: []string{"ok", "fraud"}, Minority: []int{1}},
			TestCount: testCounts, Variants: []quality.VariantResult{variantBA(quality.VariantReal, 0.8, 0.9), variantBA("m", f1, ba)}}
	}
	small, large := []int{24, 5}, []int{1440, 300}

	// (a) 5 rare test rows: the resolution, 1/5 for minority F1 and
	// 1/(2·5) for balanced accuracy, is above both falls.
	if a := evaluate.HarmAlerts(u(small, 0.7, 0.85), "m"); len(a) != 0 {
		t.Errorf("5 rare test rows, falls of 0.1 and 0.05 with spread 0: alerts %+v, want none", a)
	}
	c, ok := evaluate.SmallTestCaveat(u(small, 0.7, 0.85))
	if !ok || c.Kind != generators.AlertCaveat || c.Severity != generators.SeverityAmber || c.Method != "" ||
		c.Message != `the held-out split has only 5 test rows of class "fraud": harm flags need a fall of at least 0.200 in minority F1 `+
			`and 0.100 in balanced accuracy (one test example); a larger test split makes the check sharper` {
		t.Errorf("5 rare test rows: caveat %+v (%v), want the small-test caveat", c, ok)
	}
	// A fall of more than one example is still flagged, and the alert says
	// that the resolution set the threshold.
	a := evaluate.HarmAlerts(u(small, 0.5, 0.75), "m")
	if len(a) != 2 || a[0].Metric != evaluate.MetricMinorityF1 || a[0].Threshold != 0.2 ||
		a[1].Metric != evaluate.MetricBalancedAccuracy || math.Abs(a[1].Threshold-0.1) > 1e-12 ||
		!strings.Contains(a[0].Message, "the threshold 0.200 is the test split's resolution, one held-out test example") {
		t.Errorf("5 rare test rows, falls of 0.3 and 0.15: alerts %+v, want both flagged at the resolution", a)
	}

	// (b) 300 rare test rows: the same falls are flagged, the floor (0.01)
	// above the resolution (1/300, 1/600) and the message plain.
	a = evaluate.HarmAlerts(u(large, 0.7, 0.85), "m")
	if len(a) != 2 || a[0].Metric != evaluate.MetricMinorityF1 || a[0].Severity != generators.SeverityRed ||
		a[0].Threshold != evaluate.HarmFloor || a[1].Threshold != evaluate.HarmFloor || strings.Contains(a[0].Message, "resolution") {
		t.Errorf("300 rare test rows, falls of 0.1 and 0.05: alerts %+v, want both flagged at the floor", a)
	}
	if c, ok := evaluate.SmallTestCaveat(u(large, 0.7, 0.85)); ok {
		t.Errorf("300 rare test rows: caveat %+v, want none", c)
	}
	if c, ok := evaluate.SmallTestCaveat(u([]int{24, 20}, 0.7, 0.85)); ok {
		t.Errorf("20 rare test rows: caveat %+v, want none (MinHarmTestRows = %d)", c, evaluate.MinHarmTestRows)
	}
	// Without test counts (a result made by hand) the rule is noise and
	// floor alone.
	if a := evaluate.HarmAlerts(u(nil, 0.7, 0.85), "m"); len(a) != 2 || a[0].Threshold != evaluate.HarmFloor {
		t.Errorf("no test counts: alerts %+v, want both flagged, resolution 0", a)
	}
	if _, ok := evaluate.SmallTestCaveat(u(nil, 0.7, 0.85)); ok {
		t.Error("no test counts: a caveat")
	}
}

// Balanced accuracy is the mean recall over the K classes with test
// rows, so one example of the smallest is 1/(K·n): here K = 3 (a fourth
// class has no test rows and is not in the mean) and n = 10, 1/30;
// minority F1 over the two minority classes, the smaller with 10 rows,
// 1/(2·10).
func TestHarmAlertsResolutionClasses(t *testing.T) {
	u := func(ba float64) *quality.UtilityResult {
		return &quality.UtilityResult{Config: quality.UtilityConfig{NumClasses: 4, Minority: []int{1, 2}},
			TestCount: []int{50, 40, 10, 0}, Variants: []quality.VariantResult{variantBA(quality.VariantReal, 0.8, 0.9), variantBA("m", 0.8, ba)}}
	}
	if r, c, n := evaluate.Resolution(u(0.9), evaluate.MetricBalancedAccuracy); math.Abs(r-1.0/30) > 1e-12 || c != 2 || n != 10 {
		t.Errorf("balanced accuracy's resolution %v (class %d, %d rows), want 1/30 (class 2, 10 rows)", r, c, n)
	}
	if r, c, n := evaluate.Resolution(u(0.9), evaluate.MetricMinorityF1); r != 0.05 || c != 2 || n != 10 {
		t.Errorf("minority F1's resolution %v (class %d, %d rows), want 1/20 (class 2, 10 rows)", r, c, n)
	}
	// A fall of 0.03 is below 1/30 ≈ 0.033, not flagged; counting the
	// class without test rows (1/(4·10) = 0.025) would flag it. A fall of
	// 0.04 is flagged; counting the minority classes alone (1/(2·10) =
	// 0.05) would not.
	if a := evaluate.HarmAlerts(u(0.87), "m"); len(a) != 0 {
		t.Errorf("balanced accuracy 0.03 down: alerts %+v, want none (resolution 1/30)", a)
	}
	a := evaluate.HarmAlerts(u(0.86), "m")
	if len(a) != 1 || a[0].Metric != evaluate.MetricBalancedAccuracy || math.Abs(a[0].Threshold-1.0/30) > 1e-12 {
		t.Errorf("balanced accuracy 0.04 down: alerts %+v, want one at the resolution 1/30", a)
	}
	// The caveat names the minority class with the fewest test rows.
	if c, ok := evaluate.SmallTestCaveat(u(0.9)); !ok || !strings.Contains(c.Message, `only 10 test rows of class "2": harm flags need a fall of at least 0.050 in minority F1 and 0.033 in balanced accuracy`) {
		t.Errorf("caveat %+v (%v), want class 2's 10 rows", c, ok)
	}
}

// harmDataset is a separable problem with a rare class "d": train/{h: 40,
// v: 40, d: 8}, test/{h: 16, v: 16, d: 40}. The 40 rare test images make
// one test example 1/40 = 0.025 of d's F1, finer than the harm the tests
// expect, and above the small-test caveat's 20 rows.
func harmDataset(t *testing.T, root string) string {
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "train", map[string]int{"h": 40, "v": 40, "d": 8}, 1)
	writeSplit(t, dir, "test", map[string]int{"h": 16, "v": 16, "d": 40}, 2)
	return dir
}

// A method known to hurt (samples of class h labelled d) is flagged in
// leaderboard.json (its row and the summary), the text table and
// report.html; copies of real images (oversample) are not flagged over
// real.
func TestEvaluationFlagsHarm(t *testing.T) {
	root := t.TempDir()
	ds := harmDataset(t, root)
	p := testPipeline(t, nil, []generators.Generator{wrongClass{}}, root)
	req := evaluate.Request{Dataset: "file://" + ds, Output: "file://" + root + "/out",
		Strategy: &generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 64}}, // the logistic judge's rare F1 falls ~0.12: about five test examples of 40, not one
		Methods:  []evaluate.Method{{Generator: "oversample"}, {Generator: "wrongclass"}}}
	res, err := runEvaluation(t, p, "harm", req)
	if err != nil {
		t.Fatal(err)
	}
	if !hasHarm(res.Alerts, quality.VariantReal, evaluate.MetricMinorityF1) {
		t.Errorf("the evaluation's result alerts %+v lack wrongclass's (tailsynth jobs wait prints them)", res.Alerts)
	}
	out, _ := p.Open(context.Background(), "file://"+root+"/out")
	st := storage.Sub(out, "harm")
	var lb evaluate.Leaderboard
	if err := json.Unmarshal(readKey(t, st, evaluate.LeaderboardKey), &lb); err != nil {
		t.Fatal(err)
	}
	rows := map[string]evaluate.Row{}
	for _, r := range lb.Rows {
		rows[r.Name] = r
	}
	wrong := rows["wrongclass"]
	if wrong.LiftOverReal == nil {
		t.Fatalf("wrongclass row %+v has no lift", wrong)
	}
	if !hasHarm(wrong.Alerts, quality.VariantReal, evaluate.MetricMinorityF1) {
		t.Errorf("wrongclass (lift over real %+v) alerts %+v, want a harm alert on minority F1 over real", wrong.LiftOverReal.MinorityF1, wrong.Alerts)
	}
	if !hasHarm(lb.Alerts, quality.VariantReal, evaluate.MetricMinorityF1) || lb.AlertRule == "" {
		t.Errorf("leaderboard summary alerts %+v (rule %q), want wrongclass's", lb.Alerts, lb.AlertRule)
	}
	one, _, _ := evaluate.Resolution(lb.UtilityByJudge[quality.JudgeLogReg], evaluate.MetricMinorityF1)
	for _, a := range wrong.Alerts { // many test examples, not one
		if a.Judge == quality.JudgeLogReg && a.Over == quality.VariantReal && a.Metric == evaluate.MetricMinorityF1 && (one != 1.0/40 || -a.Lift < 2*one) {
			t.Errorf("wrongclass lowers the logreg minority F1 by %.3f; want at least two test examples (%.3f each, 1/40)", -a.Lift, one)
		}
	}
	if slices.ContainsFunc(lb.Alerts, func(a evaluate.Alert) bool { return a.Kind == generators.AlertCaveat }) {
		t.Errorf("40 rare test rows raised a caveat: %+v", lb.Alerts)
	}
	if a := rows["oversample"].Alerts; hasHarm(a, quality.VariantReal, "") {
		t.Errorf("oversample (lift over real %+v) flagged: %+v", rows["oversample"].LiftOverReal, a)
	}
	var table strings.Builder
	for _, r := range lb.Table() {
		table.WriteString(strings.Join(r, " | ") + "\n")
	}
	t.Logf("leaderboard:\n%s", table.String())
	if !strings.Contains(table.String(), "⚠ HARM (logreg) vs real: minority F1 -") {
		t.Errorf("leaderboard table lacks the harm marker:\n%s", table.String())
	}
	page := string(readKey(t, st, generators.ReportHTMLKey))
	for _, want := range []string{`class="alert-red"`, "WARNING (harm): method wrongclass lowers minority F1 by", "⚠ HARM (logreg) vs real"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func hasHarm(alerts []evaluate.Alert, over, metric string) bool {
	for _, a := range alerts {
		if a.Kind == generators.AlertHarm && a.Over == over && (metric == "" || a.Metric == metric) {
			return true
		}
	}
	return false
}

// A job whose samples hurt has the alert in report.json (top level and
// quality section), a red banner in report.html and Result.Alerts; a job
// of copies has none.
func TestJobReportFlagsHarm(t *testing.T) {
	root := t.TempDir()
	ds := harmDataset(t, root)
	p := testPipeline(t, &evaluate.Hook{Config: fastConfig()}, []generators.Generator{wrongClass{}}, root)
	// 120 wrong samples (three times class h): enough that the harm stands
	// out of the tiny CNN's spread across seeds (~0.15 here) too.
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 120}}
	for _, tt := range []struct {
		gen  string
		harm bool
	}{{"wrongclass", true}, {"oversample", false}} {
		t.Run(tt.gen, func(t *testing.T) {
			spec := generators.Spec{ID: tt.gen, Dataset: "file://" + ds, Generator: tt.gen, Strategy: add, Seed: 1, Output: "file://" + root + "/out"}
			res, err := p.Run(context.Background(), spec, func(generators.Progress) {})
			if err != nil {
				t.Fatal(err)
			}
			out, _ := p.Open(context.Background(), spec.Output)
			st := storage.Sub(out, spec.ID)
			var report struct {
				Alerts  []evaluate.Alert    `json:"alerts"`
				Quality evaluate.JobQuality `json:"quality"`
			}
			raw := readKey(t, st, generators.ReportKey)
			if err := json.Unmarshal(raw, &report); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(raw), `"alerts": [`) {
				t.Error(`report.json has no "alerts" list`)
			}
			page := string(readKey(t, st, generators.ReportHTMLKey))
			method := "job:" + tt.gen
			got := hasHarm(report.Alerts, quality.VariantReal, evaluate.MetricMinorityF1)
			if got != tt.harm || hasHarm(report.Quality.Alerts, quality.VariantReal, "") != tt.harm || hasHarm(res.Alerts, quality.VariantReal, "") != tt.harm {
				t.Errorf("harm alerts: report %+v, quality %+v, result %+v; want harm %v (lifts %+v)", report.Alerts, report.Quality.Alerts, res.Alerts, tt.harm, report.Quality.Utility.Lifts)
			}
			banner := strings.Contains(page, `<div class="alerts" id="alerts">`) &&
				strings.Contains(page, `<p class="alert-red">WARNING (harm): method `+method+" lowers minority F1 by")
			if banner != tt.harm {
				t.Errorf("report.html banner shown %v, want %v; alerts %+v", banner, tt.harm, report.Alerts)
			}
			if tt.harm && !strings.Contains(page, "⚠ HARM (logreg) vs real") {
				t.Error("report.html lacks the per-row harm marker")
			}
			// Both judges ran, the CNN the headline, and the samples of
			// another class hurt under each.
			q := report.Quality
			if q.HeadlineJudge != quality.JudgeCNN || len(q.UtilityByJudge) != 2 || q.Utility == nil || q.Utility.Config.Judge != quality.JudgeCNN {
				t.Errorf("judges %v, headline %q, results %d; want cnn (headline) and logreg", q.Judges, q.HeadlineJudge, len(q.UtilityByJudge))
			}
			for _, judge := range []string{quality.JudgeCNN, quality.JudgeLogReg} {
				if got := slices.ContainsFunc(q.Alerts, func(a evaluate.Alert) bool { return a.Kind == generators.AlertHarm && a.Judge == judge }); got != tt.harm {
					t.Errorf("harm alerts of the %s judge: %v, want %v (%+v)", judge, got, tt.harm, q.Alerts)
				}
				if !strings.Contains(page, "Utility, "+judge+" judge") {
					t.Errorf("report.html lacks the %s judge's tables", judge)
				}
			}
			if !strings.Contains(page, "Utility, cnn judge (headline)") {
				t.Error("report.html does not label the headline judge")
			}
		})
	}
}

// Fidelity from a handful of rows is marked unreliable, in the JSON and
// in the tables.
func TestFidelityReliability(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	// d has 16 held-out rows (< 50): unreliable; h has 120 (>= 100 and
	// > the 16-dim MLP features): reliable with 120 samples.
	writeSplit(t, dir, "train", map[string]int{"h": 20, "v": 200, "d": 8}, 1)
	writeSplit(t, dir, "test", map[string]int{"h": 120, "v": 16, "d": 16}, 2)
	p := testPipeline(t, &evaluate.Hook{Config: fastConfig()}, nil, root)
	q, _, page := runJob(t, p, generators.Spec{Dataset: "file://" + dir, Generator: "oversample",
		Strategy: generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 16, "h": 120}}, Seed: 1, Output: "file://" + root + "/out"})
	d, h := classFidelity(t, q, "d"), classFidelity(t, q, "h")
	if d.Reliable || d.PrecisionRecallReliable || d.FrechetReliable || !strings.Contains(d.ReliabilityNote, "n_real=16") {
		t.Errorf("d (16 real rows): reliable %v/%v/%v, note %q; want unreliable", d.Reliable, d.PrecisionRecallReliable, d.FrechetReliable, d.ReliabilityNote)
	}
	if !h.Reliable || h.ReliabilityNote != "" {
		t.Errorf("h (120 rows each): reliable %v, note %q; want reliable", h.Reliable, h.ReliabilityNote)
	}
	if !strings.Contains(page, "(unreliable: n=16)") {
		t.Error("report.html does not mark the unreliable figures")
	}
	// 16 test rows of d: the small-test caveat, once for both judges; one
	// test example is 1/(2·16) of minority F1 over d and h.
	var caveats []evaluate.Alert
	for _, a := range q.Alerts {
		if a.Kind == generators.AlertCaveat {
			caveats = append(caveats, a)
		}
	}
	if len(q.Judges) != 2 || len(caveats) != 1 || !strings.Contains(caveats[0].Message, `only 16 test rows of class "d": harm flags need a fall of at least 0.031 in minority F1`) {
		t.Errorf("judges %v, caveats %+v: want one small-test caveat of 16 rows", q.Judges, caveats)
	}
	if evaluate.MinPRRows(3) != 50 || evaluate.MinPRRows(60) != 61 || evaluate.MinFrechetRows(64) != 100 || evaluate.MinFrechetRows(256) != 257 {
		t.Error("thresholds differ from the documented max(k+1, 50) and max(dim+1, 100)")
	}
}

// A method's job-report alerts (the composite generator's caveat) reach
// its leaderboard row, the summary, the table and report.html; the small
// test split's caveat (16 rare test rows) is stated once, on the real row.
func TestEvaluationCarriesGeneratorCaveats(t *testing.T) {
	root := t.TempDir()
	ds := splitDataset(t, root)
	p := testPipeline(t, nil, nil, root)
	if err := compositegen.Register(p.Registry); err != nil {
		t.Fatal(err)
	}
	req := evaluate.Request{Dataset: "file://" + ds, Output: "file://" + root + "/out",
		Strategy: &generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 16}},
		Methods:  []evaluate.Method{{Generator: compositegen.Name, Params: json.RawMessage(`{"layout":"2x1","size":8}`)}}}
	if _, err := runEvaluation(t, p, "comp", req); err != nil {
		t.Fatal(err)
	}
	out, _ := p.Open(context.Background(), "file://"+root+"/out")
	st := storage.Sub(out, "comp")
	var lb evaluate.Leaderboard
	if err := json.Unmarshal(readKey(t, st, evaluate.LeaderboardKey), &lb); err != nil {
		t.Fatal(err)
	}
	isCaveat := func(a evaluate.Alert) bool {
		return a.Kind == generators.AlertCaveat && a.Method == compositegen.Name && a.Message == compositegen.CaveatMixed
	}
	for _, r := range lb.Rows {
		if r.Name != compositegen.Name {
			continue
		}
		if !slices.ContainsFunc(r.Alerts, isCaveat) {
			t.Errorf("composite row alerts %+v, want the mixing caveat", r.Alerts)
		}
	}
	if !slices.ContainsFunc(lb.Alerts, isCaveat) {
		t.Errorf("summary alerts %+v lack the caveat", lb.Alerts)
	}
	small := func(a evaluate.Alert) bool {
		return a.Kind == generators.AlertCaveat && strings.HasPrefix(a.Message, "the held-out split has only 16 test rows of class")
	}
	n := 0
	for _, a := range lb.Alerts {
		if small(a) {
			n++
		}
	}
	if n != 1 || !slices.ContainsFunc(lb.Rows[slices.IndexFunc(lb.Rows, func(r evaluate.Row) bool { return r.Name == quality.VariantReal })].Alerts, small) {
		t.Errorf("summary alerts %+v: want the small-test caveat once, from the real row", lb.Alerts)
	}
	page := string(readKey(t, st, generators.ReportHTMLKey))
	if !strings.Contains(page, `<p class="alert-amber">WARNING (caveat): composites (CB-ImgComp)`) || !strings.Contains(page, "⚠ caveat") {
		t.Error("report.html lacks the caveat banner or row marker")
	}
}
