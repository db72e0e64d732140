package autogen

import (
	"math"
	"slices"
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

// The rule on a constructed score table, cheapest candidate first: a
// costlier candidate wins only by more than the tie.
func TestPick(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scores []float64
		tie    float64
		want   int
	}{
		{"none", nil, 0.01, -1},
		{"one", []float64{0.2}, 0.01, 0},
		{"clear winner later", []float64{0.30, 0.33, 0.35}, 0.01, 2},
		{"within the tie goes to the cheaper", []float64{0.330, 0.339, 0.335}, 0.01, 0},
		{"a tie is measured from the best so far", []float64{0.30, 0.32, 0.325}, 0.01, 1},
		{"no tie: the highest", []float64{0.330, 0.331, 0.329}, 0, 1},
		{"equal scores: the cheapest", []float64{0.4, 0.4}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pick(tc.scores, tc.tie); got != tc.want {
				t.Errorf("pick(%v, %v) = %d, want %d", tc.scores, tc.tie, got, tc.want)
			}
		})
	}
}

// softTally is a one-fold tally of two classes whose rare class (1) has
// the summed probabilities rare (of 10 rare rows, predicted rare) and
// common (of 90 common rows, predicted rare).
func softTally(rare, common float64) *tally {
	return &tally{
		conf:   [][]int{{90, 0}, {10, 0}},
		prob:   [][]float64{{90 - common, common}, {10 - rare, rare}},
		foldF1: map[int][]float64{0: {0}, 1: {0}},
	}
}

// With repeats, decide pools the repeats' predictions before the rule: a
// candidate that wins one cross-validation by luck loses the pooled score,
// and each repeat's own winner is reported.
func TestDecidePoolsRepeats(t *testing.T) {
	sel := &Selection{Judges: []string{"logreg"}, Folds: 1, Repeats: 2, Tie: 0.01,
		Candidates: []Candidate{{Name: "copies"}, {Name: "augment"}}}
	repeat := func(real, copies, augment *tally) map[string]map[string]*tally {
		return map[string]map[string]*tally{"logreg": {realName: real, "copies": copies, "augment": augment}}
	}
	// Summed probabilities of rare on the 10 rare rows: repeat 1 copies
	// 5, augment 4.5 (copies wins by more than the tie); repeat 2 copies
	// 4, augment 6. Pooled: copies 9, augment 10.5 of 20.
	tallies := []map[string]map[string]*tally{
		repeat(softTally(2, 1), softTally(5, 1), softTally(4.5, 1)),
		repeat(softTally(2, 1), softTally(4, 1), softTally(6, 1)),
	}
	soft := func(rare, common float64) float64 { return f1(softTally(rare, common).prob, 1) }
	ch := decide("rare", 1, sel, tallies)
	if ch.Winner != "augment" {
		t.Fatalf("winner %q (%s), want augment", ch.Winner, ch.Why)
	}
	if want := []string{"copies", "augment"}; !slices.Equal(ch.RepeatWinners, want) {
		t.Errorf("repeat winners %v, want %v", ch.RepeatWinners, want)
	}
	// Pooled: each class's summed probabilities over both repeats, e.g.
	// augment's rare row {20-10.5, 10.5}, common row {180-2, 2}.
	pooled := f1([][]float64{{178, 2}, {9.5, 10.5}}, 1)
	if got := ch.Scores[1].F1; math.Abs(got-pooled) > 1e-12 {
		t.Errorf("augment's score %v, want the pooled soft F1 %v", got, pooled)
	}
	if got, want := ch.Scores[0].ByRepeat, []float64{soft(5, 1), soft(4, 1)}; !slices.Equal(got, want) {
		t.Errorf("copies by repeat %v, want %v", got, want)
	}
	// One repeat alone chooses as that repeat did.
	sel.Repeats = 1
	if ch := decide("rare", 1, sel, tallies[:1]); ch.Winner != "copies" || ch.RepeatWinners != nil {
		t.Errorf("one repeat: winner %q, repeat winners %v; want copies and none", ch.Winner, ch.RepeatWinners)
	}
}
