package main

import (
	"encoding/json"
	"fmt"
	"maps"
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
		Minority []int `json:"minority"`
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
}

// judge is one utility classifier's figures: per method (leaderboard row
// name), and the classifier's description.
type judge struct {
	Classifier string
	Methods    map[string]figures
}

// judgeLogReg names the judge of the leaderboard's "utility" block, the
// logistic-regression classifier (evaluate.JudgeLogReg).
const judgeLogReg = "logreg"

// judges returns each judge's figures per method (leaderboard row name),
// by judge name, from a leaderboard.json. Today's schema has one judge, the logistic
// regression of the top-level "utility" block. A judge added as another
// block of the same shape (a quality.UtilityResult) is read too: any other
// top-level object with "variants" and "classifier" (named by its key
// without "utility", e.g. "utility_cnn" -> "cnn"), and the entries of a
// top-level "judges" object (name -> result, or name -> {"utility": result})
// or array ({"name"|"judge": ..., "utility": result}). The top-level
// "alerts" of kind "harm" set Harm for their judge and method. Extend it
// here when the schema changes.
func judges(lb []byte) (map[string]judge, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(lb, &top); err != nil {
		return nil, err
	}
	out := map[string]judge{}
	add := func(name string, raw json.RawMessage) error {
		var u utilityResult
		if err := json.Unmarshal(raw, &u); err != nil {
			return fmt.Errorf("judge %s: %w", name, err)
		}
		if len(u.Variants) == 0 {
			return nil
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("judge %s appears twice", name)
		}
		c, _, _ := strings.Cut(u.Classifier, ",")
		out[name] = judge{Classifier: c, Methods: figuresOf(u)}
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(top)) {
		raw := top[key]
		switch {
		case key == "utility":
			if err := add(judgeLogReg, raw); err != nil {
				return nil, err
			}
		case key == "judges":
			if err := readJudges(raw, add); err != nil {
				return nil, err
			}
		case looksLikeUtility(raw):
			name := strings.Trim(strings.ReplaceAll(key, "utility", ""), "_-")
			if name == "" {
				name = key
			}
			if err := add(name, raw); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no judge's utility figures (the \"utility\" block is missing or empty; did the evaluation fail?)")
	}
	var alerts []struct {
		Kind   string `json:"kind"`
		Judge  string `json:"judge"`
		Method string `json:"method"`
	}
	if raw, ok := top["alerts"]; ok {
		if err := json.Unmarshal(raw, &alerts); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
	}
	for _, a := range alerts {
		if f, ok := out[a.Judge].Methods[a.Method]; ok && a.Kind == "harm" {
			f.Harm = true
			out[a.Judge].Methods[a.Method] = f
		}
	}
	return out, nil
}

// readJudges reads a "judges" block: an object of name -> result (or
// {"utility": result}), or an array of {"name"|"judge", "utility"}.
func readJudges(raw json.RawMessage, add func(string, json.RawMessage) error) error {
	inner := func(r json.RawMessage) json.RawMessage {
		var w struct {
			Utility json.RawMessage `json:"utility"`
		}
		if json.Unmarshal(r, &w) == nil && len(w.Utility) > 0 {
			return w.Utility
		}
		return r
	}
	var byName map[string]json.RawMessage
	if json.Unmarshal(raw, &byName) == nil {
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			if err := add(name, inner(byName[name])); err != nil {
				return err
			}
		}
		return nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("judges: want an object or an array: %w", err)
	}
	for i, r := range list {
		var id struct {
			Name  string `json:"name"`
			Judge string `json:"judge"`
		}
		_ = json.Unmarshal(r, &id)
		name := cmpOr(id.Name, id.Judge, fmt.Sprintf("judge%d", i+1))
		if err := add(name, inner(r)); err != nil {
			return err
		}
	}
	return nil
}

func looksLikeUtility(raw json.RawMessage) bool {
	var probe struct {
		Classifier json.RawMessage `json:"classifier"`
		Variants   []any           `json:"variants"`
	}
	return json.Unmarshal(raw, &probe) == nil && len(probe.Classifier) > 0 && len(probe.Variants) > 0
}

func cmpOr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
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
}

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
			} `json:"methods"`
		} `json:"request"`
		Split struct {
			TrainCounts map[string]int `json:"train_counts"`
		} `json:"split"`
		Minority []string `json:"minority"`
		Rows     []struct {
			Name  string `json:"name"`
			Kind  string `json:"kind"`
			Error string `json:"error"`
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
		v.Methods = append(v.Methods, method{Name: m.Name, Generator: m.Generator, Params: p})
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
	v.Judges = js
	return v, nil
}
