package evaluate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
)

// Row kinds.
const (
	KindBaseline = "baseline" // computed inside the evaluator
	KindMethod   = "method"   // a generator the request named
)

// Leaderboard is leaderboard.json: one row per baseline and method, best
// minority F1 first, with the protocol and the detail behind every figure.
type Leaderboard struct {
	Evaluation         string `json:"evaluation"`
	Dataset            string `json:"dataset"`
	DatasetFingerprint string `json:"dataset_fingerprint"`
	// Request is the normalized request (defaults filled).
	Request Request `json:"request"`
	// Split is the held-out split every row is tested on (its files are in
	// split.json).
	Split Split `json:"split"`
	// Plan is the number of samples every method generated per class;
	// Minority the generated classes, whose mean F1 is "minority F1".
	Plan     map[string]int `json:"plan"`
	Minority []string       `json:"minority"`
	Features *Featurizer    `json:"features"`
	// Space is the fidelity feature space, UtilitySpace the classifier's.
	Space        *FeatureSpace `json:"feature_space"`
	UtilitySpace *FeatureSpace `json:"utility_space"`
	Rows         []Row         `json:"rows"`
	// Alerts gathers every row's alerts (harm for each judge, generator
	// caveats), in row order; AlertRule states the harm rule.
	Alerts    []Alert `json:"alerts"`
	AlertRule string  `json:"alert_rule"`
	// Utility is the full utility result: per-class figures and every run.
	Utility     *quality.UtilityResult `json:"utility,omitempty"`
	UtilityNote string                 `json:"utility_note"`
	// Fidelity holds each row's per-class fidelity figures (baselines in
	// the feature space, methods from their images).
	Fidelity        map[string][]ClassFidelity `json:"fidelity"`
	FrechetBiasNote string                     `json:"frechet_bias_note"`
	Notes           []string                   `json:"notes"`
	Unreadable      []generators.Problem       `json:"unreadable,omitempty"`
	NUnreadable     int                        `json:"n_unreadable"`
	Errors          []string                   `json:"errors,omitempty"`
	Config          Config                     `json:"config"`
	Timings         map[string]float64         `json:"timings"`

	pictures []methodPicture
}

// Row is one line of the leaderboard. Utility figures are nil when they
// could not be computed (Error, or the leaderboard's Errors, says why).
type Row struct {
	Rank             int              `json:"rank"`
	Name             string           `json:"name"`
	Kind             string           `json:"kind"`
	Description      string           `json:"description,omitempty"`
	Generator        string           `json:"generator,omitempty"`
	Params           json.RawMessage  `json:"params,omitempty"`
	Output           string           `json:"output,omitempty"`
	Error            string           `json:"error,omitempty"`
	MinorityF1       *quality.Stat    `json:"minority_f1,omitempty"`
	MacroF1          *quality.Stat    `json:"macro_f1,omitempty"`
	BalancedAccuracy *quality.Stat    `json:"balanced_accuracy,omitempty"`
	LiftOverReal     *quality.Lift    `json:"lift_over_real,omitempty"`
	LiftOverSMOTE    *quality.Lift    `json:"lift_over_smote,omitempty"`
	Fidelity         *FidelitySummary `json:"fidelity,omitempty"`
	// Alerts are the row's [HarmAlerts] for each judge and, for a method,
	// the alerts of its job's report (generator caveats).
	Alerts []Alert `json:"alerts,omitempty"`
}

// FidelitySummary averages a row's fidelity over the generated classes.
type FidelitySummary struct {
	Classes   int      `json:"classes"`
	Frechet   *float64 `json:"frechet,omitempty"`
	Precision *float64 `json:"precision,omitempty"`
	Recall    *float64 `json:"recall,omitempty"`
	// NearCopyShare is the share of all checked samples flagged as
	// near-copies, measured in Space; Alert is set when a class is above
	// the alert share.
	NearCopyShare *float64 `json:"near_copy_share,omitempty"`
	Space         string   `json:"space,omitempty"`
	Alert         bool     `json:"alert"`
	// FrechetReliable and PrecisionRecallReliable hold when every class's
	// figure is reliable (ClassFidelity); MinN is the smallest
	// min(n_real, n_fake) over the classes; ReliabilityNote names the
	// classes whose figures are not reliable.
	FrechetReliable         bool   `json:"frechet_reliable"`
	PrecisionRecallReliable bool   `json:"precision_recall_reliable"`
	Reliable                bool   `json:"reliable"`
	MinN                    int    `json:"min_n"`
	ReliabilityNote         string `json:"reliability_note,omitempty"`
}

// Table returns the leaderboard as rows of cells, header first.
func (l *Leaderboard) Table() [][]string {
	out := [][]string{{"rank", "name", "minority F1", "macro F1", "balanced acc.", "lift vs real", "lift vs SMOTE", "Fréchet", "precision", "recall", "near-copies", "alerts"}}
	for _, r := range l.Rows {
		cells := []string{fmt.Sprint(r.Rank), r.Name, stat(r.MinorityF1), stat(r.MacroF1), stat(r.BalancedAccuracy), lift(r.LiftOverReal), lift(r.LiftOverSMOTE), "—", "—", "—", "—", alertCell(r.Alerts)}
		if f := r.Fidelity; f != nil {
			cells[7], cells[8], cells[9] = num(f.Frechet, "%.2f"), num(f.Precision, "%.3f"), num(f.Recall, "%.3f")
			if !f.FrechetReliable && f.Frechet != nil {
				cells[7] += unreliable(f.MinN)
			}
			if !f.PrecisionRecallReliable && f.Precision != nil {
				cells[8] += unreliable(f.MinN)
				cells[9] += unreliable(f.MinN)
			}
			if f.NearCopyShare != nil {
				cells[10] = fmt.Sprintf("%.1f%%", 100**f.NearCopyShare)
				if f.Alert {
					cells[10] += " !"
				}
			}
		}
		if r.Error != "" {
			cells[2] = "failed: " + strings.SplitN(r.Error, "\n", 2)[0]
		}
		out = append(out, cells)
	}
	return out
}

func stat(s *quality.Stat) string {
	if s == nil {
		return "—"
	}
	return s.String()
}

func lift(l *quality.Lift) string {
	if l == nil {
		return "—"
	}
	return signed(l.MinorityF1)
}

func num(v *float64, format string) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf(format, *v)
}

// alertCell summarises alerts for a table cell, harm alerts grouped by
// judge and baseline — "⚠ HARM (logreg) vs real: minority F1 -0.080,
// balanced acc. -0.050; vs random_oversampling: minority F1 -0.070" —
// and "⚠ caveat" for caveats; "" without alerts.
func alertCell(alerts []Alert) string {
	type key struct{ judge, over string }
	var order []key
	figures := map[key][]string{}
	caveat := false
	for _, a := range alerts {
		if a.Kind != generators.AlertHarm {
			caveat = true
			continue
		}
		k := key{a.Judge, a.Over}
		if _, ok := figures[k]; !ok {
			order = append(order, k)
		}
		label := "minority F1"
		if a.Metric == MetricBalancedAccuracy {
			label = "balanced acc."
		}
		figures[k] = append(figures[k], fmt.Sprintf("%s %+.3f", label, a.Lift))
	}
	var parts []string
	for i, k := range order {
		head := "vs " + k.over
		if i == 0 || order[i-1].judge != k.judge {
			head = fmt.Sprintf("⚠ HARM (%s) vs %s", k.judge, k.over)
		}
		parts = append(parts, head+": "+strings.Join(figures[k], ", "))
	}
	if caveat {
		parts = append(parts, "⚠ caveat")
	}
	return strings.Join(parts, "; ")
}

// unreliable is the mark of a figure computed on too few rows.
func unreliable(n int) string { return fmt.Sprintf(" (unreliable: n=%d)", n) }
