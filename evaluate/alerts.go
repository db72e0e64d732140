package evaluate

import (
	"fmt"

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

// MinHarmTestRows is the fewest held-out test rows of a minority class
// below which [SmallTestCaveat] says that harm is judged coarsely: under
// 20 rows, one test example moves the class's recall by more than 0.05.
const MinHarmTestRows = 20

// Harm metrics, as named in Alert.Metric.
const (
	MetricMinorityF1       = "minority_f1"
	MetricBalancedAccuracy = "balanced_accuracy"
)

// HarmRule is the rule of [HarmAlerts] in words, for reports and notes.
const HarmRule = "a method is flagged (harm) when the mean of its paired lift over \"real\" or over \"random_oversampling\" " +
	"in minority F1 or balanced accuracy is below −max(noise, 0.01, resolution), noise being the largest of the lift's sample standard deviation across seeds " +
	"and the two variants' own spreads across seeds, and resolution the change one held-out test example makes " +
	"(1/(M·n) for minority F1 over M minority classes, n the fewest test rows of a minority class; 1/(K·n) for balanced accuracy over the K classes with test rows, n the fewest test rows of any), " +
	"since a fall smaller than one test example is not one the test set can show; red below real, amber below random oversampling"

// HarmAlerts applies the harm rule to one method (a variant of u) for
// u's judge (u.Config.Judge, the classifier that produced u: "logreg"
// when empty, "cnn"...), named in each alert: for each
// baseline B in "real" and "random_oversampling" (other than the method
// itself) and each metric m in minority F1 and balanced accuracy, with
// L = u.Lift(method, B).m — the paired differences method − B over the
// seeds (a single run pairs with every run of the other) —
//
//	noise      = max(L.Std, std of method's m, std of B's m)
//	resolution = [Resolution](u, m)
//	harm       ⇔ L.Mean < −max(noise, HarmFloor, resolution)
//
// The variants' own spreads count too: with three seeds a paired lift's
// spread can be small by chance, and a noisy judge (the CNN) then flagged
// a method against an equivalent one (oversample against the built-in
// random oversampling, 3 of 4 benchmark variants).
//
// The resolution is the change that one held-out test example makes to m:
// it is the finest change the test set can show, so a smaller fall is not
// evidence of harm. Without it a tiny test split raised false alarms: with
// 5 rare test rows (a table's held-out rows) one flipped prediction moves
// the rare class's recall by 0.2, while the deterministic logistic judge's
// spread is 0, so a method one test example behind the baseline was
// flagged. When the resolution sets the threshold, the alert's message
// says so; [SmallTestCaveat] says when the test split is that small.
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
			res, _, _ := Resolution(u, m.name)
			threshold := max(noise, HarmFloor, res)
			if m.lift.N == 0 || !(m.lift.Mean < -threshold) {
				continue
			}
			a := Alert{Kind: generators.AlertHarm, Severity: generators.SeverityAmber, Judge: judge, Method: method,
				Metric: m.name, Over: over, Lift: m.lift.Mean, Noise: noise, Threshold: threshold}
			if over == quality.VariantReal {
				a.Severity = generators.SeverityRed
			}
			a.Message = fmt.Sprintf("method %s lowers %s by %.3f vs %s (noise %.3f, %s judge)", method, m.label, -m.lift.Mean, over, noise, judge)
			if res > noise && res > HarmFloor {
				a.Message += fmt.Sprintf("; the threshold %.3f is the test split's resolution, one held-out test example", res)
			}
			out = append(out, a)
		}
	}
	return out
}

// Resolution returns the change that one held-out test example makes to
// metric m (MetricMinorityF1 or MetricBalancedAccuracy) of u, from u's
// test counts, with the class whose test rows are fewest and their
// number: for minority F1, the mean over the M classes of
// u.Config.Minority, 1/(M·n), n the fewest test rows of a minority class
// (one example of that class moves its recall by 1/n); for balanced
// accuracy, the mean recall over the K classes with test rows, 1/(K·n), n
// the fewest test rows of any class. Classes without test rows are not
// counted in n. It returns 0 (and class −1) when u has no test counts.
func Resolution(u *quality.UtilityResult, m string) (res float64, class, n int) {
	if u == nil {
		return 0, -1, 0
	}
	class, k := -1, 0
	consider := func(c int) {
		if c < 0 || c >= len(u.TestCount) || u.TestCount[c] <= 0 {
			return
		}
		k++
		if class < 0 || u.TestCount[c] < n {
			class, n = c, u.TestCount[c]
		}
	}
	switch m {
	case MetricMinorityF1:
		for _, c := range u.Config.Minority {
			consider(c)
		}
		k = len(u.Config.Minority) // the mean runs over every minority class
	case MetricBalancedAccuracy:
		for c := range u.TestCount {
			consider(c)
		}
	default:
		return 0, -1, 0
	}
	if class < 0 || k == 0 {
		return 0, -1, 0
	}
	return 1 / float64(k*n), class, n
}

// SmallTestCaveat returns a caveat (kind generators.AlertCaveat, amber)
// when u's held-out split has fewer than [MinHarmTestRows] test rows of a
// minority class: harm is then judged coarsely, a fall needing at least
// one test example's worth ([Resolution]) to be flagged. Every judge of a
// report tests on the same split, so a report states it once. It returns
// false for a nil u or a split large enough.
func SmallTestCaveat(u *quality.UtilityResult) (Alert, bool) {
	f1, c, n := Resolution(u, MetricMinorityF1)
	if c < 0 || n >= MinHarmTestRows {
		return Alert{}, false
	}
	ba, _, _ := Resolution(u, MetricBalancedAccuracy)
	name := fmt.Sprint(c)
	if c < len(u.Config.ClassNames) && u.Config.ClassNames[c] != "" {
		name = u.Config.ClassNames[c]
	}
	return Alert{Kind: generators.AlertCaveat, Severity: generators.SeverityAmber,
		Message: fmt.Sprintf("the held-out split has only %d test rows of class %q: harm flags need a fall of at least %.3f in minority F1 "+
			"and %.3f in balanced accuracy (one test example); a larger test split makes the check sharper", n, name, f1, ba)}, true
}

// utilityAlerts returns the harm alerts of method under each judge's
// result (nil results skipped), then the test split's caveat once (the
// judges share the split): a report's alerts from its utility results.
func utilityAlerts(method string, results ...*quality.UtilityResult) []Alert {
	var out []Alert
	var first *quality.UtilityResult
	for _, u := range results {
		if u == nil {
			continue
		}
		if first == nil {
			first = u
		}
		out = append(out, HarmAlerts(u, method)...)
	}
	if a, ok := SmallTestCaveat(first); ok {
		out = append(out, a)
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
