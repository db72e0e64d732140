package tabgan_test

import (
	"context"
	"fmt"
	"log"

	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/tabgan"
)

// A tiny table: one numeric and one categorical column, two classes. Sample
// returns exactly the rows asked for, all of the class asked for.
func Example() {
	t := smote.Table{
		Numeric:     [][]float64{{1.0, 1.2, 0.9, 5.1, 4.8, 5.3, 1.1, 5.0}},
		Categorical: [][]int{{0, 0, 1, 2, 2, 1, 0, 2}},
		Levels:      []int{3},
	}
	y := []int{0, 0, 0, 1, 1, 1, 0, 1}
	cfg := tabgan.DefaultConfig()
	cfg.Epochs, cfg.Steps, cfg.Batch, cfg.Pac = 0, 20, 8, 2 // a smoke run
	cfg.ZDim, cfg.GenHidden, cfg.CriticHidden = 8, []int{16}, []int{16}
	m, err := tabgan.Fit(context.Background(), t, y, 2, cfg)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := m.Sample(context.Background(), 1, 5, 42)
	if err != nil {
		log.Fatal(err)
	}
	// Labels are the caller's: every row is of class 1 by construction.
	fmt.Println(rows.Rows(), "rows of class 1")
	// Output: 5 rows of class 1
}
