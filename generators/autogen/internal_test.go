package autogen

import (
	"math"
	"testing"
)

// f1 weights every true class alike: 2 rare images, 1 found, and 5 of 100
// common images taken for rare gives precision 0.5 / (0.5 + 0.05), not
// 1 / 6. The soft form reads probabilities the same way.
func TestF1(t *testing.T) {
	m := [][]int{{95, 5}, {1, 1}} // true common: 95 common, 5 rare; true rare: 1 common, 1 rare
	p, r := 0.5/(0.5+0.05), 0.5
	if got, want := f1(m, 1), 2*p*r/(p+r); math.Abs(got-want) > 1e-12 {
		t.Errorf("f1 = %v, want %v", got, want)
	}
	soft := [][]float64{{95, 5}, {1, 1}}
	if got, want := f1(soft, 1), 2*p*r/(p+r); math.Abs(got-want) > 1e-12 {
		t.Errorf("soft f1 = %v, want %v", got, want)
	}
	if got := f1([][]int{{3, 0}, {0, 0}}, 1); got != 0 {
		t.Errorf("absent, never predicted: %v, want 0", got)
	}
	if got := f1([][]int{{4, 0}, {0, 2}}, 1); got != 1 {
		t.Errorf("perfect: %v, want 1", got)
	}
}

// A tally pools folds: counts, probability sums and one F1 per fold.
func TestTally(t *testing.T) {
	var tl tally
	tl.add([]int{0, 1}, [][]float64{{0.9, 0.1}, {0.4, 0.6}}, 2)
	tl.add([]int{1, 1}, [][]float64{{0.7, 0.3}, {0.2, 0.8}}, 2)
	if tl.conf[1][1] != 2 || tl.conf[1][0] != 1 || tl.conf[0][0] != 1 {
		t.Errorf("confusion %v", tl.conf)
	}
	if math.Abs(tl.prob[1][1]-1.7) > 1e-12 || len(tl.foldF1[1]) != 2 || tl.foldF1[1][0] != 1 {
		t.Errorf("probability sums %v, fold F1s %v", tl.prob, tl.foldF1)
	}
}
