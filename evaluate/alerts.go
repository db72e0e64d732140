package evaluate

import (
	"fmt"
	"math"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
)

// Alert is a warning shown prominently in reports, leaderboards and the
// CLI; see generators.Alert.
type Alert = generators.Alert

// JudgeLogReg names the logistic-regression utility classifier in alerts
// (quality.JudgeLogReg, the judge of a UtilityResult whose Config.Judge is
// empty).
const JudgeLogReg = quality.JudgeLogReg

// HarmFloor is the smallest fall that [HarmAlerts] flags: a method tied
// with a baseline by a deterministic classifier (spread 0) differs by
// rounding, not harm.
const HarmFloor = 0.01

// Harm metrics, as named in Alert.Metric.
const (
	MetricMinorityF1       = "minority_f1"
	MetricBalancedAccuracy = "balanced_accuracy"
)

// HarmRule is the rule of [HarmAlerts] in words, for reports and notes.
const HarmRule = "a method is flagged (harm) when the mean of its paired lift over \"real\" or over \"random_oversampling\" " +
	"in minority F1 or balanced accuracy is below −max(noise, 0.01), noise being the largest of the lift's sample standard deviation across seeds " +
	"and the two variants' own spreads across seeds; red below real, amber below random oversampling"

// HarmAlerts applies the harm rule to one method (a variant of u) for
// u's judge (u.Config.Judge, the classifier that produced u: "logreg"
// when empty, "cnn"...), named in each alert: for each
// baseline B in "real" and "random_oversampling" (other than the method
// itself) and each metric m in minority F1 and balanced accuracy, with
// L = u.Lift(method, B).m — the paired differences method − B over the
// seeds (a single run pairs with every run of the other) —
//
//	noise = max(L.Std, std of method's m, std of B's m)
//	harm  ⇔ L.Mean < −max(noise, HarmFloor)
//
// The variants' own spreads count too: with three seeds a paired lift's
// spread can be small by chance, and a noisy judge (the CNN) then flagged
// a method against an equivalent one (oversample against the built-in
// random oversampling, 3 of 4 benchmark variants).
//
// Harm over "real" is red (the method is worse than adding nothing),
// over "random_oversampling" amber. The rule knows nothing of the
// classifier: apply it to each judge's UtilityResult alike. It returns
// nil when u is nil or lacks the method or a baseline.
func HarmAlerts(u *quality.UtilityResult, method string) []Alert {
	if u == nil {
		return nil
	}
	judge := u.Config.Judge
	if judge == "" {
		judge = JudgeLogReg
	}
	self, ok := variantOf(u, method)
	if !ok {
		return nil
	}
	var out []Alert
	for _, over := range []string{quality.VariantReal, quality.VariantRandomOversampling} {
		if over == method {
			continue
		}
		base, ok := variantOf(u, over)
		if !ok {
			continue
		}
		l, err := u.Lift(method, over)
		if err != nil {
			continue
		}
		for _, m := range []struct {
			name, label string
			lift        quality.Stat
			a, b        quality.Stat
		}{
			{MetricMinorityF1, "minority F1", l.MinorityF1, self.MinorityF1, base.MinorityF1},
			{MetricBalancedAccuracy, "balanced accuracy", l.BalancedAccuracy, self.BalancedAccuracy, base.BalancedAccuracy},
		} {
			noise := max(m.lift.Std, m.a.Std, m.b.Std)
			threshold := math.Max(noise, HarmFloor)
			if m.lift.N == 0 || !(m.lift.Mean < -threshold) {
				continue
			}
			a := Alert{Kind: generators.AlertHarm, Severity: generators.SeverityAmber, Judge: judge, Method: method,
				Metric: m.name, Over: over, Lift: m.lift.Mean, Noise: noise, Threshold: threshold}
			if over == quality.VariantReal {
				a.Severity = generators.SeverityRed
			}
			a.Message = fmt.Sprintf("method %s lowers %s by %.3f vs %s (noise %.3f, %s judge)", method, m.label, -m.lift.Mean, over, noise, judge)
			out = append(out, a)
		}
	}
	return out
}

func variantOf(u *quality.UtilityResult, name string) (quality.VariantResult, bool) {
	for _, v := range u.Variants {
		if v.Name == name {
			return v, true
		}
	}
	return quality.VariantResult{}, false
}
