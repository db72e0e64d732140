package quality

import "fmt"

// ClassMetrics are the one-vs-rest figures of one class. A ratio whose
// denominator is 0 (no predictions of the class, or no rows of it) is 0, as
// scikit-learn's zero_division=0.
type ClassMetrics struct {
	Class     int     `json:"class"`
	Support   int     `json:"support"` // true rows of the class
	Predicted int     `json:"predicted"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Metrics are classification figures from a confusion matrix.
//
//	precision_c = TP_c / (TP_c + FP_c)     recall_c = TP_c / (TP_c + FN_c)
//	F1_c = 2·precision_c·recall_c / (precision_c + recall_c)
//	accuracy = Σ_c TP_c / N
//	balanced accuracy = mean of recall_c over classes with support > 0
//	macro F1 = mean of F1_c over classes with support > 0 or predictions > 0
//
// (the class sets scikit-learn's balanced_accuracy_score and
// f1_score(average="macro") use when given only y_true and y_pred).
type Metrics struct {
	// Confusion[t][p] counts rows of true class t predicted as p.
	Confusion        [][]int        `json:"confusion"`
	PerClass         []ClassMetrics `json:"per_class"`
	Accuracy         float64        `json:"accuracy"`
	BalancedAccuracy float64        `json:"balanced_accuracy"`
	MacroF1          float64        `json:"macro_f1"`
	N                int            `json:"n"`
}

// Evaluate compares predictions with true labels, both in [0, numClasses).
func Evaluate(yTrue, yPred []int, numClasses int) (Metrics, error) {
	if len(yTrue) != len(yPred) {
		return Metrics{}, fmt.Errorf("metrics: %d true labels and %d predictions, want equal counts", len(yTrue), len(yPred))
	}
	if len(yTrue) == 0 {
		return Metrics{}, fmt.Errorf("metrics: no rows")
	}
	if numClasses < 1 {
		return Metrics{}, fmt.Errorf("metrics: %d classes, want at least 1", numClasses)
	}
	cm := make([][]int, numClasses)
	for i := range cm {
		cm[i] = make([]int, numClasses)
	}
	for i, t := range yTrue {
		p := yPred[i]
		if t < 0 || t >= numClasses || p < 0 || p >= numClasses {
			return Metrics{}, fmt.Errorf("metrics: row %d has true class %d and prediction %d, want both in [0, %d)", i, t, p, numClasses)
		}
		cm[t][p]++
	}
	return FromConfusion(cm)
}

// FromConfusion computes [Metrics] from a square confusion matrix
// (cm[true][predicted]) of non-negative counts.
func FromConfusion(cm [][]int) (Metrics, error) {
	k := len(cm)
	m := Metrics{Confusion: cm, PerClass: make([]ClassMetrics, k)}
	predicted := make([]int, k)
	correct := 0
	for t, row := range cm {
		if len(row) != k {
			return Metrics{}, fmt.Errorf("metrics: confusion row %d has %d entries, want %d (a square matrix)", t, len(row), k)
		}
		for p, v := range row {
			if v < 0 {
				return Metrics{}, fmt.Errorf("metrics: confusion[%d][%d] = %d, want a count >= 0", t, p, v)
			}
			m.N += v
			predicted[p] += v
			m.PerClass[t].Support += v
		}
		correct += row[t]
	}
	if m.N == 0 {
		return Metrics{}, fmt.Errorf("metrics: the confusion matrix is all zeros")
	}
	var recallSum, f1Sum float64
	nRecall, nF1 := 0, 0
	for c := range m.PerClass {
		cmc := &m.PerClass[c]
		cmc.Class, cmc.Predicted = c, predicted[c]
		tp := float64(cm[c][c])
		cmc.Precision = ratio(tp, float64(cmc.Predicted))
		cmc.Recall = ratio(tp, float64(cmc.Support))
		cmc.F1 = ratio(2*cmc.Precision*cmc.Recall, cmc.Precision+cmc.Recall)
		if cmc.Support > 0 {
			recallSum += cmc.Recall
			nRecall++
		}
		if cmc.Support > 0 || cmc.Predicted > 0 {
			f1Sum += cmc.F1
			nF1++
		}
	}
	m.Accuracy = float64(correct) / float64(m.N)
	m.BalancedAccuracy = recallSum / float64(nRecall)
	m.MacroF1 = f1Sum / float64(nF1)
	return m, nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
