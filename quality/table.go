package quality

import (
	"fmt"
	"strconv"
)

// String formats a Stat as "mean ± std" (3 decimals), or "mean" when N = 1.
func (s Stat) String() string {
	if s.N <= 1 {
		return fmt.Sprintf("%.3f", s.Mean)
	}
	return fmt.Sprintf("%.3f ± %.3f", s.Mean, s.Std)
}

// signed formats a lift with an explicit sign.
func (s Stat) signed() string {
	if s.N <= 1 {
		return fmt.Sprintf("%+.3f", s.Mean)
	}
	return fmt.Sprintf("%+.3f ± %.3f", s.Mean, s.Std)
}

// Table returns the utility results as rows of cells, header first: one row
// per variant with minority F1, its lift over "real", macro F1, balanced
// accuracy, accuracy, the recall of each minority class and the number of
// runs. Cells are "mean ± std" over seeds.
func (r *UtilityResult) Table() [][]string {
	header := []string{"variant", "minority F1", "lift vs real", "macro F1", "balanced accuracy", "accuracy"}
	for _, c := range r.Config.Minority {
		header = append(header, "recall "+r.className(c))
	}
	header = append(header, "runs")
	rows := [][]string{header}
	for _, v := range r.Variants {
		lift := "—"
		if v.Name != VariantReal {
			if l, err := r.Lift(v.Name, VariantReal); err == nil {
				lift = l.MinorityF1.signed()
			}
		}
		row := []string{v.Name, v.MinorityF1.String(), lift, v.MacroF1.String(), v.BalancedAccuracy.String(), v.Accuracy.String()}
		for _, c := range r.Config.Minority {
			row = append(row, v.PerClass[c].Recall.String())
		}
		rows = append(rows, append(row, strconv.Itoa(len(v.Runs))))
	}
	return rows
}

func (r *UtilityResult) className(c int) string {
	if r.Config.ClassNames != nil {
		return r.Config.ClassNames[c]
	}
	return strconv.Itoa(c)
}
