package quality_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality"
)

func ExampleFromConfusion() {
	// Rows are true classes, columns predictions. Class 2 is the rare one.
	m, err := quality.FromConfusion([][]int{
		{50, 2, 0},
		{3, 45, 2},
		{4, 4, 2},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("accuracy %.3f, balanced accuracy %.3f, macro F1 %.3f\n", m.Accuracy, m.BalancedAccuracy, m.MacroF1)
	fmt.Printf("rare class: precision %.3f, recall %.3f, F1 %.3f\n", m.PerClass[2].Precision, m.PerClass[2].Recall, m.PerClass[2].F1)
	// Output:
	// accuracy 0.866, balanced accuracy 0.687, macro F1 0.698
	// rare class: precision 0.500, recall 0.200, F1 0.286
}

func ExampleKNNPrecisionRecall() {
	// Real points on a line; one fake point is realistic, one is an outlier.
	real := blas32.General{Rows: 4, Cols: 1, Stride: 1, Data: []float32{0, 1, 2, 3}}
	fake := blas32.General{Rows: 3, Cols: 1, Stride: 1, Data: []float32{0.5, 1.5, 10}}
	pr, err := quality.KNNPrecisionRecall(context.Background(), real, fake, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("precision %.3f, recall %.3f\n", pr.Precision, pr.Recall)
	// Output:
	// precision 0.667, recall 1.000
}

func ExampleFrechetDistance() {
	a := blas32.General{Rows: 4, Cols: 2, Stride: 2, Data: []float32{0, 0, 1, 0, 0, 1, 1, 1}}
	// The same square shifted by (3, 4): only the mean term changes.
	b := blas32.General{Rows: 4, Cols: 2, Stride: 2, Data: []float32{3, 4, 4, 4, 3, 5, 4, 5}}
	fd, err := quality.FrechetDistance(a, b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("distance %.6f (mean term %.6f) from %d and %d samples\n", fd.Distance, fd.MeanTerm, fd.NReal, fd.NFake)
	// Output:
	// distance 25.000000 (mean term 25.000000) from 4 and 4 samples
}
