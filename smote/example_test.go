package smote_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/smote"
)

func ExampleGenerate() {
	// Three minority rows in 2-D; with 3 rows k is lowered to 2.
	x := blas32.General{Rows: 3, Cols: 2, Stride: 2, Data: []float32{
		0, 0,
		1, 0,
		0, 1,
	}}
	s, err := smote.Generate(context.Background(), x, 2, smote.DefaultK, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("k used:", s.K)
	for i, p := range s.Provenance {
		row := s.X.Data[i*2 : i*2+2]
		fmt.Printf("x[%d] + %.3f·(x[%d] − x[%d]) = (%.3f, %.3f)\n", p.Base, p.Gap, p.Neighbor, p.Base, row[0], row[1])
	}
	// Output:
	// k used: 2
	// x[2] + 0.431·(x[1] − x[2]) = (0.431, 0.569)
	// x[2] + 0.720·(x[1] − x[2]) = (0.720, 0.280)
}
