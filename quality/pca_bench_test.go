package quality

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// BenchmarkFitPCA times both routes on the shape that made the covariance
// route slow: 38 RGB 28x28 images (n = 38, d = 2,352) and the k = n − 1
// components the evaluations ask for. FitPCA takes the rows route here.
//
//	go test ./quality -run '^$' -bench BenchmarkFitPCA -benchtime 3x
func BenchmarkFitPCA(b *testing.B) {
	const n, d = 38, 28 * 28 * 3
	rng := rand.New(rand.NewPCG(29, 30))
	x := newMatrix(n, d)
	// Pixels in [0, 1]: a per-image brightness plus noise, as images share
	// a large first component.
	for i := range n {
		base := rng.Float64()
		for j := range d {
			x.Data[i*d+j] = float32(min(1, max(0, base+0.3*rng.NormFloat64())))
		}
	}
	for _, r := range []struct {
		name string
		fit  func(blas32.General, int) (*PCA, error)
	}{{"rows-svd", fitPCARows}, {"covariance", fitPCACov}} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := r.fit(x, n-1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
