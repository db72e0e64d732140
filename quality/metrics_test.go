package quality

import (
	"strings"
	"testing"
)

func TestFromConfusion(t *testing.T) {
	// Expected values by hand and confirmed with scikit-learn 1.2.1
	// (precision_recall_fscore_support, balanced_accuracy_score,
	// f1_score(average="macro", zero_division=0)).
	for _, tc := range []struct {
		name              string
		cm                [][]int
		precision, recall []float64
		f1                []float64
		acc, bal, macroF1 float64
	}{
		{
			name:      "three classes",
			cm:        [][]int{{5, 1, 0}, {2, 3, 1}, {0, 0, 4}},
			precision: []float64{5.0 / 7, 3.0 / 4, 4.0 / 5},
			recall:    []float64{5.0 / 6, 1.0 / 2, 1},
			f1:        []float64{10.0 / 13, 3.0 / 5, 8.0 / 9},
			acc:       12.0 / 16,
			bal:       7.0 / 9,
			macroF1:   (10.0/13 + 3.0/5 + 8.0/9) / 3,
		},
		{
			// Class 3 is predicted once but never true (in the macro F1
			// with F1 0, not in the balanced accuracy); class 4 appears
			// nowhere (in neither).
			name: "predicted-only and absent classes",
			cm: [][]int{
				{1, 0, 0, 1, 0},
				{0, 2, 0, 0, 0},
				{0, 0, 1, 0, 0},
				{0, 0, 0, 0, 0},
				{0, 0, 0, 0, 0},
			},
			precision: []float64{1, 1, 1, 0, 0},
			recall:    []float64{0.5, 1, 1, 0, 0},
			f1:        []float64{2.0 / 3, 1, 1, 0, 0},
			acc:       4.0 / 5,
			bal:       (0.5 + 1 + 1) / 3,
			macroF1:   (2.0/3 + 1 + 1 + 0) / 4,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FromConfusion(tc.cm)
			if err != nil {
				t.Fatal(err)
			}
			for c, pc := range got.PerClass {
				if !near(pc.Precision, tc.precision[c], 1e-15) || !near(pc.Recall, tc.recall[c], 1e-15) || !near(pc.F1, tc.f1[c], 1e-15) {
					t.Errorf("class %d: got P=%v R=%v F1=%v, want %v %v %v", c, pc.Precision, pc.Recall, pc.F1, tc.precision[c], tc.recall[c], tc.f1[c])
				}
			}
			if !near(got.Accuracy, tc.acc, 1e-15) || !near(got.BalancedAccuracy, tc.bal, 1e-15) || !near(got.MacroF1, tc.macroF1, 1e-15) {
				t.Errorf("got accuracy %v, balanced %v, macro F1 %v, want %v, %v, %v", got.Accuracy, got.BalancedAccuracy, got.MacroF1, tc.acc, tc.bal, tc.macroF1)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	got, err := Evaluate([]int{0, 0, 1, 2, 2, 2}, []int{0, 1, 1, 2, 2, 0}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 2}}
	for i := range want {
		for j := range want[i] {
			if got.Confusion[i][j] != want[i][j] {
				t.Fatalf("got confusion %v, want %v", got.Confusion, want)
			}
		}
	}
	if got.N != 6 || got.PerClass[2].Support != 3 || got.PerClass[0].Predicted != 2 {
		t.Errorf("got n=%d, support[2]=%d, predicted[0]=%d, want 6, 3, 2", got.N, got.PerClass[2].Support, got.PerClass[0].Predicted)
	}
	for _, tc := range []struct {
		name        string
		yTrue, yPrd []int
		want        string
	}{
		{"lengths", []int{0, 1}, []int{0}, "2 true labels and 1 predictions"},
		{"range", []int{0, 3}, []int{0, 1}, "row 1 has true class 3"},
		{"empty", nil, nil, "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Evaluate(tc.yTrue, tc.yPrd, 3)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
