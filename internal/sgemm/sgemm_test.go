package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestMatchesGonum holds Mul to gonum's Sgemm (the reference) on
// sizes around the kernels' tiles (6×16 and 12×32) and the blocks' (120,
// 256) edges, every transpose, leading dimensions wider than the rows,
// and a C that already holds values (beta 0 must overwrite them, NaN
// included), with every assembly kernel the CPU has (AVX-512 and AVX2 on
// an AVX-512 machine) and with the fallback. Tolerance: 1e-5 of the sum
// of |a|·|b| terms, as summation order differs.
func TestMatchesGonum(t *testing.T) {
	modes := append([]string{"gonum"}, Kernels()...)
	if len(modes) == 1 {
		t.Log("no AVX2/FMA on this CPU: only the fallback is tested")
	}
	t.Logf("kernels: %v", modes)
	old := Kernel()
	t.Cleanup(func() { SetKernel(old) })
	rng := rand.New(rand.NewPCG(7, 7))
	sizes := []int{1, 5, 6, 7, 11, 12, 13, 17, 31, 121, 257}
	checked := 0
	for _, kernel := range modes {
		if !SetKernel(kernel) || Kernel() != kernel {
			t.Fatalf("SetKernel(%q) did not take", kernel)
		}
		for _, m := range sizes {
			for _, n := range []int{1, 15, 16, 31, 32, 33, 130, 4097} {
				for _, k := range []int{1, 7, 64, 300} {
					if m*n*k > 3_000_000 || (m*n*k > 300_000 && rng.IntN(2) == 0) {
						continue
					}
					for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
						ta, tb := tr[0], tr[1]
						pad := 3 // leading dimensions wider than needed
						ar, ac := m, k
						if ta {
							ar, ac = k, m
						}
						br, bc := k, n
						if tb {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+pad, bc+pad, n+pad
						a, b := randF32(rng, ar*lda), randF32(rng, br*ldb)
						got, want := make([]float32, m*ldc), make([]float32, m*ldc)
						for i := range got {
							got[i], want[i] = float32(math.NaN()), float32(math.NaN())
						}
						Mul(ta, tb, m, n, k, a, lda, b, ldb, got, ldc)
						gonum.Implementation{}.Sgemm(trans(ta), trans(tb), m, n, k, 1, a, lda, b, ldb, 0, want, ldc)
						for i := range m {
							for j := range n {
								g, w := got[i*ldc+j], want[i*ldc+j]
								if d := math.Abs(float64(g - w)); !(d <= 1e-5*float64(k)) {
									t.Fatalf("kernel %v, m=%d n=%d k=%d ta=%v tb=%v: C[%d,%d] = %v, gonum %v", kernel, m, n, k, ta, tb, i, j, g, w)
								}
							}
							for j := n; j < ldc; j++ { // past the row: untouched
								if !math.IsNaN(float64(got[i*ldc+j])) {
									t.Fatalf("kernel %v, m=%d n=%d k=%d: wrote C[%d,%d] past column n", kernel, m, n, k, i, j)
								}
							}
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d products checked", checked)
}

func trans(x bool) blas.Transpose {
	if x {
		return blas.Trans
	}
	return blas.NoTrans
}

func randF32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// BenchmarkMul compares Mul's kernels with gonum's Sgemm in the same run
// on the products of the base-64 28×28 conv critic at batch 64 (im2col
// rows × kernel columns) and a square one: go test -bench . ./internal/sgemm
func BenchmarkMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	old := Kernel()
	b.Cleanup(func() { SetKernel(old) })
	for _, s := range [][3]int{{64 * 14 * 14, 64, 16}, {64 * 7 * 7, 128, 1024}, {256, 256, 256}} {
		m, n, k := s[0], s[1], s[2]
		a, bb, c := randF32(rng, m*k), randF32(rng, k*n), make([]float32, m*n)
		for _, impl := range append(Kernels(), "gonum-sgemm") {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", impl, m, n, k), func(b *testing.B) {
				b.SetBytes(int64(2 * m * n * k)) // "MB/s" reads as MFLOP/s
				if impl != "gonum-sgemm" {
					SetKernel(impl)
				}
				for b.Loop() {
					if impl == "gonum-sgemm" {
						gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, bb, n, 0, c, n)
					} else {
						Mul(false, false, m, n, k, a, k, bb, n, c, n)
					}
				}
			})
		}
	}
}

// TestAdd holds Add to a plain loop on lengths around its 8- and
// 32-float steps, on offset slices, with and without the vector path.
func TestAdd(t *testing.T) {
	old := vecAVX
	t.Cleanup(func() { vecAVX = old })
	rng := rand.New(rand.NewPCG(3, 4))
	for _, vec := range []bool{false, old} {
		vecAVX = vec
		for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 1027} {
			for _, off := range []int{0, 1, 3} {
				dst, src := randF32(rng, n+off+2), randF32(rng, n+off+2)
				want := slices.Clone(dst)
				for i := off; i < off+n; i++ {
					want[i] += src[i+1]
				}
				Add(dst[off:off+n], src[off+1:])
				if !slices.Equal(dst, want) {
					t.Fatalf("vector %v, n=%d, offset %d: Add differs from the loop (or wrote outside dst)", vec, n, off)
				}
			}
		}
	}
}
