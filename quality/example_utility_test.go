package quality_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality"
)

// points draws n rows per class around class centres on the axes of 2-D.
func points(seed uint64, perClass []int) quality.Dataset {
	rng := rand.New(rand.NewPCG(seed, 0))
	d := quality.Dataset{X: blas32.General{Cols: 2, Stride: 2}}
	for c, n := range perClass {
		for range n {
			x := float32(rng.NormFloat64())
			y := float32(rng.NormFloat64())
			if c == 1 {
				x += 2
			} else {
				y += 2
			}
			d.X.Data = append(d.X.Data, x, y)
			d.X.Rows++
			d.Y = append(d.Y, c)
		}
	}
	return d
}

func ExampleEvaluateUtility() {
	train := points(1, []int{300, 10}) // class 1 is rare
	test := points(2, []int{100, 100})
	synthetic := points(3, []int{0, 290}) // a generator's class-1 output

	// Baselines add exactly as many rows per class as the generator did.
	counts := quality.CountsOf(synthetic)
	res, err := quality.EvaluateUtility(context.Background(), train, test, []quality.Variant{
		quality.RandomOversampling(counts),
		quality.SMOTE(5, counts),
		quality.Fixed("generator", synthetic),
	}, quality.UtilityConfig{NumClasses: 2, Minority: []int{1}, Seeds: []int64{1, 2, 3}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range res.Variants {
		fmt.Printf("%s: %d run(s), %d rows added\n", v.Name, len(v.Runs), v.Runs[0].Added[1])
	}
	fmt.Println(res.Table()[0])
	// Output:
	// real: 1 run(s), 0 rows added
	// random_oversampling: 3 run(s), 290 rows added
	// smote: 3 run(s), 290 rows added
	// generator: 1 run(s), 290 rows added
	// [variant minority F1 lift vs real macro F1 balanced accuracy accuracy recall 1 runs]
}
