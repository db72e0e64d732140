package quality_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tailsynth/tailsynth/quality"
	"github.com/tailsynth/tailsynth/smote"
)

// fraudTable draws rows of an amount (numeric) and a card type
// (categorical, 3 levels): class 1 ("fraud") has larger amounts and mostly
// prepaid cards.
func fraudTable(seed uint64, perClass []int) quality.LabeledTable {
	rng := rand.New(rand.NewPCG(seed, 0))
	t := quality.LabeledTable{Table: smote.Table{
		Numeric: make([][]float64, 1), Categorical: make([][]int, 1), Levels: []int{3},
	}}
	for c, n := range perClass {
		for range n {
			amount, card := 40+20*rng.NormFloat64(), rng.IntN(2)
			if c == 1 {
				amount, card = 90+20*rng.NormFloat64(), 2-rng.IntN(2)
			}
			t.Table.Numeric[0] = append(t.Table.Numeric[0], amount)
			t.Table.Categorical[0] = append(t.Table.Categorical[0], card)
			t.Y = append(t.Y, c)
		}
	}
	return t
}

func ExampleTabularUtility() {
	train := fraudTable(1, []int{300, 15}) // class 1 is rare
	test := fraudTable(2, []int{100, 100})
	generated := fraudTable(3, []int{0, 285}) // a generator's class-1 rows

	res, err := quality.TabularUtility(context.Background(), train, test,
		[]quality.NamedTable{{Name: "generator", Rows: generated}},
		quality.TabularConfig{Utility: quality.UtilityConfig{
			NumClasses: 2, ClassNames: []string{"ok", "fraud"}, Minority: []int{1}, Seeds: []int64{1, 2, 3},
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("smote variant:", res.SMOTE, "adding", res.Counts)
	fmt.Println("features:", res.Features.Width)
	for _, v := range res.Utility.Variants {
		fmt.Printf("%s: %d run(s)\n", v.Name, len(v.Runs))
	}
	// Output:
	// smote variant: smote-nc adding map[1:285]
	// features: 4
	// real: 1 run(s)
	// random_oversampling: 3 run(s)
	// smote: 3 run(s)
	// generator: 1 run(s)
}
