package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// The leaderboard.json fields this command reads: a minimal copy of
// evaluate.Leaderboard and quality.UtilityResult, so that the benchmark
// reads old and new files alike and does not follow every change of those
// packages. Only judges and readVariant know the schema.

type stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	N    int     `json:"n"`
}

// utilityResult is one judge's quality.UtilityResult.
type utilityResult struct {
	Config struct {
		Minority []int  `json:"minority"`
		Judge    string `json:"judge"`
	} `json:"config"`
	Classifier string `json:"classifier"`
	Variants   []struct {
		Name             string `json:"name"`
		MinorityF1       stat   `json:"minority_f1"`
		BalancedAccuracy stat   `json:"balanced_accuracy"`
		PerClass         []struct {
			Class  int  `json:"class"`
			Recall stat `json:"recall"`
		} `json:"per_class"`
	} `json:"variants"`
	Lifts []struct {
		Variant    string `json:"variant"`
		Over       string `json:"over"`
		MinorityF1 stat   `json:"minority_f1"`
	} `json:"lifts"`
}

// figures are one method's utility on one variant for one judge: means
// over the seeds.
type figures struct {
	F1     float64 // mean F1 of the rare classes
	F1Std  float64 // its spread over the seeds
	Recall float64 // mean recall of the rare classes
	BalAcc float64 // balanced accuracy
	// LiftSMOTE is the rare-class F1 minus the smote baseline's, paired
	// by seed (0 for smote itself).
	LiftSMOTE float64
	// Harm is set when the leaderboard flags the method as harmful for
	// this judge (an alert of kind "harm").
	Harm bool
	// Composite is set for a row of protocol "whole_dataset": trained and
	// tested on composites, so LiftSMOTE is NaN and the figures are not
	// comparable with the other rows'.
	Composite bool
}

// judge is one utility classifier's figures: per method (leaderboard row
// name), and the classifier's description.
type judge struct {
	Classifier string
	Headline   bool // the leaderboard ranks its rows by this judge
	Methods    map[string]figures
}

// judgeLogReg names the judge of the leaderboard's "utility" block, the
// logistic-regression classifier (evaluate.JudgeLogReg).
const judgeLogReg = "logreg"

// judges returns each judge's figures per method (leaderboard row name),
// by judge name, from a leaderboard.json. Since the evaluation has several
// judges (83979ad) they are the blocks of "utility_by_judge" (judge name ->
// quality.UtilityResult), and "utility" repeats the headline judge's;
// before, "utility" was the only judge's, named by its config.judge
// ("logreg" when empty). The top-level "alerts" of kind "harm" set Harm for
// their judge and method. Extend it here when the schema changes.
func judges(lb []byte) (map[string]judge, error) {
	var doc struct {
		Utility        json.RawMessage            `json:"utility"`
		UtilityByJudge map[string]json.RawMessage `json:"utility_by_judge"`
		HeadlineJudge  string                     `json:"headline_judge"`
		Alerts         []struct {
			Kind   string `json:"kind"`
			Judge  string `json:"judge"`
			Method string `json:"method"`
		} `json:"alerts"`
	}
	if err := json.Unmarshal(lb, &doc); err != nil {
		return nil, err
	}
	blocks := doc.UtilityByJudge
	if len(blocks) == 0 && len(doc.Utility) > 0 && string(doc.Utility) != "null" {
		blocks = map[string]json.RawMessage{"": doc.Utility}
	}
	out := map[string]judge{}
	for _, key := range slices.Sorted(maps.Keys(blocks)) {
		var u utilityResult
		if err := json.Unmarshal(blocks[key], &u); err != nil {
			return nil, fmt.Errorf("judge %s: %w", cmp.Or(key, "of \"utility\""), err)
		}
		if len(u.Variants) == 0 {
			continue
		}
		name := cmp.Or(key, u.Config.Judge, judgeLogReg)
		out[name] = judge{Classifier: u.Classifier, Headline: name == doc.HeadlineJudge, Methods: figuresOf(u)}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no judge's utility figures (\"utility_by_judge\" and \"utility\" are missing or empty; did the evaluation fail?)")
	}
	for _, a := range doc.Alerts {
		if f, ok := out[a.Judge].Methods[a.Method]; ok && a.Kind == "harm" {
			f.Harm = true
			out[a.Judge].Methods[a.Method] = f
		}
	}
	return out, nil
}

// figuresOf reads one judge's result: the rare classes are its
// config.minority; the lift over SMOTE is its paired lift when present,
// else the difference of means.
func figuresOf(u utilityResult) map[string]figures {
	out := map[string]figures{}
	smoteF1, hasSMOTE := 0.0, false
	for _, v := range u.Variants {
		if v.Name == "smote" {
			smoteF1, hasSMOTE = v.MinorityF1.Mean, true
		}
	}
	for _, v := range u.Variants {
		f := figures{F1: v.MinorityF1.Mean, F1Std: v.MinorityF1.Std, BalAcc: v.BalancedAccuracy.Mean}
		n := 0
		for _, pc := range v.PerClass {
			if slices.Contains(u.Config.Minority, pc.Class) {
				f.Recall += pc.Recall.Mean
				n++
			}
		}
		if n > 0 {
			f.Recall /= float64(n)
		}
		if hasSMOTE {
			f.LiftSMOTE = f.F1 - smoteF1
		}
		for _, l := range u.Lifts {
			if l.Variant == v.Name && l.Over == "smote" {
				f.LiftSMOTE = l.MinorityF1.Mean
			}
		}
		out[v.Name] = f
	}
	return out
}

// method is a leaderboard row: a built-in baseline or a requested method.
type method struct {
	Name      string
	Baseline  bool
	Generator string
	Params    string // compact JSON, "" when none
	// WholeDataset: the method's protocol is "whole_dataset" (its judges
	// trained and tested on composites).
	WholeDataset bool
}

// protocolWholeDataset is the protocol of rows trained and tested on
// composites (evaluate.ProtocolWholeDataset): their figures are each row's
// by_judge, not a variant of the judges' utility blocks.
const protocolWholeDataset = "whole_dataset"

// variant is one leaderboard.json read.
type variant struct {
	Name     string // rare classes and their training count, e.g. "shirt-10"
	Path     string
	Seeds    []int64
	Features string
	Methods  []method
	Errors   map[string]string // row name -> error
	Judges   map[string]judge
}

// readVariant reads one leaderboard.json.
func readVariant(path string, b []byte) (variant, error) {
	var lb struct {
		Request struct {
			Seeds    []int64 `json:"seeds"`
			Features string  `json:"features"`
			Methods  []struct {
				Name      string          `json:"name"`
				Generator string          `json:"generator"`
				Params    json.RawMessage `json:"params"`
				Protocol  string          `json:"protocol"`
			} `json:"methods"`
		} `json:"request"`
		Split struct {
			TrainCounts map[string]int `json:"train_counts"`
		} `json:"split"`
		Minority []string `json:"minority"`
		Rows     []struct {
			Name     string `json:"name"`
			Kind     string `json:"kind"`
			Error    string `json:"error"`
			Protocol string `json:"protocol"`
			ByJudge  map[string]struct {
				MinorityF1       *stat `json:"minority_f1"`
				MinorityRecall   *stat `json:"minority_recall"`
				BalancedAccuracy *stat `json:"balanced_accuracy"`
			} `json:"by_judge"`
		} `json:"rows"`
		Errors []string `json:"errors"`
	}
	if err := json.Unmarshal(b, &lb); err != nil {
		return variant{}, fmt.Errorf("%s: %w", path, err)
	}
	v := variant{Path: path, Seeds: lb.Request.Seeds, Features: lb.Request.Features, Errors: map[string]string{}}
	n := 0
	for _, c := range lb.Minority {
		n += lb.Split.TrainCounts[c]
	}
	v.Name = fmt.Sprintf("%s-%d", strings.Join(lb.Minority, "+"), n)
	for _, b := range []string{"real", "random_oversampling", "smote"} {
		v.Methods = append(v.Methods, method{Name: b, Baseline: true})
	}
	for _, m := range lb.Request.Methods {
		p := ""
		if len(m.Params) > 0 {
			var obj any
			if json.Unmarshal(m.Params, &obj) == nil {
				c, _ := json.Marshal(obj)
				p = string(c)
			}
		}
		v.Methods = append(v.Methods, method{Name: m.Name, Generator: m.Generator, Params: p, WholeDataset: m.Protocol == protocolWholeDataset})
	}
	for _, r := range lb.Rows {
		if r.Error != "" {
			v.Errors[r.Name] = r.Error
		}
	}
	js, err := judges(b)
	if err != nil {
		msg := err.Error()
		if len(lb.Errors) > 0 {
			msg += "; leaderboard errors: " + strings.Join(lb.Errors, "; ")
		}
		return variant{}, fmt.Errorf("%s: %s", path, msg)
	}
	// A whole_dataset row's figures are its own (by_judge): no variant of
	// the judges' blocks, and no lift over SMOTE, whose test set differs.
	for _, r := range lb.Rows {
		if r.Protocol != protocolWholeDataset {
			continue
		}
		for j, f := range r.ByJudge {
			if _, ok := js[j]; !ok || f.MinorityF1 == nil {
				continue
			}
			fig := figures{F1: f.MinorityF1.Mean, F1Std: f.MinorityF1.Std, LiftSMOTE: math.NaN(), Composite: true}
			if f.MinorityRecall != nil {
				fig.Recall = f.MinorityRecall.Mean
			}
			if f.BalancedAccuracy != nil {
				fig.BalAcc = f.BalancedAccuracy.Mean
			}
			js[j].Methods[r.Name] = fig
		}
	}
	v.Judges = js
	return v, nil
}
