package quality

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"
)

// gaussianRows returns n rows of N(mean, diag(sd²)).
func gaussianRows(rng *rand.Rand, n int, mean, sd []float64) blas32.General {
	d := len(mean)
	m := newMatrix(n, d)
	for i := range n {
		for j := range d {
			m.Data[i*d+j] = float32(mean[j] + sd[j]*rng.NormFloat64())
		}
	}
	return m
}

// blobs returns n rows per class of Gaussian blobs in d dimensions: class c
// centred at sep·e_c (c < d) with unit variance.
func blobs(rng *rand.Rand, perClass []int, d int, sep float64) Dataset {
	var out Dataset
	out.X = newMatrix(0, d)
	for c, n := range perClass {
		mean := make([]float64, d)
		mean[c%d] = sep
		sd := make([]float64, d)
		for j := range sd {
			sd[j] = 1
		}
		g := gaussianRows(rng, n, mean, sd)
		out.X.Data = append(out.X.Data, g.Data...)
		out.X.Rows += n
		for range n {
			out.Y = append(out.Y, c)
		}
	}
	return out
}

func matrix(rows [][]float32) blas32.General {
	m := newMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		copy(m.Data[i*m.Cols:], r)
	}
	return m
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
