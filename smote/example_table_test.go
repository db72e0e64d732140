package smote_test

import (
	"context"
	"fmt"

	"github.com/tailsynth/tailsynth/smote"
)

func ExampleResampleNC() {
	// Seven rows: an amount, a card type (0 debit, 1 credit, 2 prepaid) and a
	// label; class 1 (fraud) is the rare one,
	// whose amounts give the scale of a card-type mismatch (MedianStd).
	tab := smote.Table{
		Numeric:     [][]float64{{12.5, 80, 43, 25, 950, 700, 820}},
		Categorical: [][]int{{0, 0, 1, 0, 1, 1, 2}},
		Levels:      []int{3},
	}
	y := []int{0, 0, 0, 0, 1, 1, 1}
	r, err := smote.ResampleNC(context.Background(), tab, y, map[int]int{1: 2}, smote.DefaultK, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("k used: %d, median std: %.2f\n", r.K[1], r.MedianStd)
	for i, p := range r.Provenance {
		fmt.Printf("amount %.1f = x[%d] + %.3f·(x[%d] − x[%d]), card %d (voters %v)\n",
			r.Table.Numeric[0][i], p.Base, p.Gap, p.Neighbor, p.Base, r.Table.Categorical[0][i], p.Voters)
	}
	// Both votes tie (one credit, one prepaid neighbour) and are broken at
	// random, as in imbalanced-learn 0.10.

	// Output:
	// k used: 2, median std: 102.09
	// amount 940.7 = x[4] + 0.072·(x[6] − x[4]), card 2 (voters [6 5])
	// amount 793.7 = x[5] + 0.375·(x[4] − x[5]), card 1 (voters [6 4])
}
