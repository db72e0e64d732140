package evaluate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
)

// Row kinds.
const (
	KindBaseline = "baseline" // computed inside the evaluator
	KindMethod   = "method"   // a generator the request named
)

// Leaderboard is leaderboard.json: one row per baseline and method, best
// minority F1 of the headline judge first, with the protocol and the
// detail behind every figure. The fields that predate the judges (each
// row's figures, Utility) hold the headline judge's figures; ByJudge and
// UtilityByJudge hold every judge's.
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
	// Judges are the utility classifiers, the headline first
	// (Request.Judges); HeadlineJudge is Judges[0].
	Judges        []string `json:"judges"`
	HeadlineJudge string   `json:"headline_judge"`
	// Alerts gathers every row's alerts (harm for each judge, generator
	// caveats), in row order; AlertRule states the harm rule.
	Alerts    []Alert `json:"alerts"`
	AlertRule string  `json:"alert_rule"`
	// Utility is the headline judge's full utility result: per-class
	// figures and every run; UtilityByJudge holds every judge's (a judge
	// that failed is absent; Errors says why).
	Utility        *quality.UtilityResult            `json:"utility,omitempty"`
	UtilityByJudge map[string]*quality.UtilityResult `json:"utility_by_judge,omitempty"`
	// UtilityNote describes each judge's protocol.
	UtilityNote string `json:"utility_note"`
	// Fidelity holds each row's per-class fidelity figures (baselines in
	// the feature space, methods from their images).
	Fidelity map[string][]ClassFidelity `json:"fidelity"`
	// WholeDataset holds the measurement of every whole_dataset method
	// that was measured (its row has the headline's figures).
	WholeDataset []WholeDataset `json:"whole_dataset,omitempty"`
	// Tabular describes the table of an evaluation on a table
	// (Request.LabelColumn); Features, Space and UtilitySpace are then
	// nil and Fidelity empty.
	Tabular         *TableEvaluation   `json:"table,omitempty"`
	FrechetBiasNote string             `json:"frechet_bias_note"`
	Notes           []string           `json:"notes"`
	Unreadable      []datasets.Problem `json:"unreadable,omitempty"`
	NUnreadable     int                `json:"n_unreadable"`
	Errors          []string           `json:"errors,omitempty"`
	Config          Config             `json:"config"`
	Timings         map[string]float64 `json:"timings"`

	pictures     []methodPicture
	utilityNotes map[string]string
}

// Row is one line of the leaderboard. Utility figures are nil when they
// could not be computed (Error, or the leaderboard's Errors, says why).
// The top-level utility figures are the headline judge's (HeadlineJudge);
// ByJudge holds every judge's, the headline's included.
type Row struct {
	// Rank is the row's place among the rows of protocol "mixed"; 0 for
	// a "whole_dataset" row, which is not ranked against them.
	Rank int    `json:"rank"`
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Protocol is ProtocolMixed (trained on the real training images plus
	// the row's rows, tested on the real held-out images: the baselines
	// and most methods) or ProtocolWholeDataset (trained and tested on
	// composites; see WholeDatasetCaveat).
	Protocol         string                   `json:"protocol,omitempty"`
	Description      string                   `json:"description,omitempty"`
	Generator        string                   `json:"generator,omitempty"`
	Params           json.RawMessage          `json:"params,omitempty"`
	Output           string                   `json:"output,omitempty"`
	Error            string                   `json:"error,omitempty"`
	MinorityF1       *quality.Stat            `json:"minority_f1,omitempty"`
	MacroF1          *quality.Stat            `json:"macro_f1,omitempty"`
	BalancedAccuracy *quality.Stat            `json:"balanced_accuracy,omitempty"`
	MinorityRecall   *quality.Stat            `json:"minority_recall,omitempty"`
	LiftOverReal     *quality.Lift            `json:"lift_over_real,omitempty"`
	LiftOverSMOTE    *quality.Lift            `json:"lift_over_smote,omitempty"`
	HeadlineJudge    string                   `json:"headline_judge,omitempty"`
	ByJudge          map[string]*JudgeFigures `json:"by_judge,omitempty"`
	Fidelity         *FidelitySummary         `json:"fidelity,omitempty"`
	// Alerts are the row's [HarmAlerts] for every judge and, for a method,
	// the alerts of its job's report (generator caveats).
	Alerts []Alert `json:"alerts,omitempty"`
}

// JudgeFigures are one judge's utility figures of a row: mean ± sample
// standard deviation over the seeds (MinorityRecall: of the mean recall
// over the generated classes), the paired lifts, and the judge's
// [HarmAlerts] for the row.
type JudgeFigures struct {
	MinorityF1       *quality.Stat `json:"minority_f1,omitempty"`
	MacroF1          *quality.Stat `json:"macro_f1,omitempty"`
	BalancedAccuracy *quality.Stat `json:"balanced_accuracy,omitempty"`
	MinorityRecall   *quality.Stat `json:"minority_recall,omitempty"`
	LiftOverReal     *quality.Lift `json:"lift_over_real,omitempty"`
	LiftOverSMOTE    *quality.Lift `json:"lift_over_smote,omitempty"`
	Alerts           []Alert       `json:"alerts,omitempty"`
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

// Table returns the leaderboard as rows of cells, header first: the
// minority F1 and lift over SMOTE of every judge (the headline first),
// then the headline judge's macro F1, balanced accuracy and lift over
// real, the fidelity figures and the alerts. A whole_dataset row has no
// rank ("—") and its protocol after its name.
func (l *Leaderboard) Table() [][]string {
	judges := l.Judges
	if len(judges) == 0 { // a leaderboard written before the judges
		judges = []string{JudgeLogReg}
	}
	head := judges[0]
	header := []string{"rank", "name"}
	for i, j := range judges {
		f1 := "F1 " + j
		if i == 0 {
			f1 += " (headline)"
		}
		header = append(header, f1, "vs SMOTE "+j)
	}
	header = append(header, "macro F1 ("+head+")", "bal. acc. ("+head+")", "vs real ("+head+")", "Fréchet", "precision", "recall", "near-copies", "alerts")
	out := [][]string{header}
	for _, r := range l.Rows {
		cells := []string{fmt.Sprint(r.Rank), r.Name}
		if r.Protocol == ProtocolWholeDataset { // not ranked: another test set
			cells = []string{"—", r.Name + " (" + ProtocolWholeDataset + ": composite test set)"}
		}
		for i, j := range judges {
			f := r.judge(j, i == 0)
			cells = append(cells, stat(f.MinorityF1), lift(f.LiftOverSMOTE))
		}
		k := len(cells)
		cells = append(cells, stat(r.MacroF1), stat(r.BalancedAccuracy), lift(r.LiftOverReal), "—", "—", "—", "—", alertCell(r.Alerts))
		if f := r.Fidelity; f != nil {
			cells[k+3], cells[k+4], cells[k+5] = num(f.Frechet, "%.2f"), num(f.Precision, "%.3f"), num(f.Recall, "%.3f")
			if !f.FrechetReliable && f.Frechet != nil {
				cells[k+3] += unreliable(f.MinN)
			}
			if !f.PrecisionRecallReliable && f.Precision != nil {
				cells[k+4] += unreliable(f.MinN)
				cells[k+5] += unreliable(f.MinN)
			}
			if f.NearCopyShare != nil {
				cells[k+6] = fmt.Sprintf("%.1f%%", 100**f.NearCopyShare)
				if f.Alert {
					cells[k+6] += " !"
				}
			}
		}
		if r.Error != "" {
			cells[2] = "failed: " + strings.SplitN(r.Error, "\n", 2)[0]
		}
		out = append(out, cells)
	}
	if l.Tabular != nil { // no fidelity figures on tables yet
		for i, row := range out {
			n := len(row)
			out[i] = append(row[:n-5:n-5], row[n-1])
		}
	}
	return out
}

// judge returns the row's figures of a judge; a row without ByJudge (a
// leaderboard written before the judges) has only the headline's, at the
// top level.
func (r Row) judge(name string, headline bool) JudgeFigures {
	if f, ok := r.ByJudge[name]; ok && f != nil {
		return *f
	}
	if headline && r.ByJudge == nil {
		return JudgeFigures{MinorityF1: r.MinorityF1, MacroF1: r.MacroF1, BalancedAccuracy: r.BalancedAccuracy, MinorityRecall: r.MinorityRecall,
			LiftOverReal: r.LiftOverReal, LiftOverSMOTE: r.LiftOverSMOTE}
	}
	return JudgeFigures{}
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
