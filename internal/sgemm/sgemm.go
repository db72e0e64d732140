// Package sgemm is a float32 matrix product for the default (pure-Go,
// no cgo) build: a packed GEMM with an AVX2/FMA assembly micro-kernel on
// amd64 CPUs that have them, gonum's Sgemm elsewhere. The GAN (gan) and
// the CNN utility judge (quality) do their products with it.
package sgemm

import (
	"runtime"
	"sync"
)

// Mul is C = op(A)·op(B) in float32 (alpha 1, beta 0): C is m×n with row
// stride ldc, op(A) m×k, op(B) k×n, A and B row-major with strides lda and
// ldb, transposed when ta/tb. The default build of the GAN and the CNN
// judge do their matrix products here instead of in gonum's Sgemm
// (issue 17 §2: the default build, without cgo, was 3.4-5.5x PyTorch's
// time per training step).
//
// Where the CPU has AVX2 and FMA (amd64), it is a packed GEMM in the
// manner of BLIS (Van Zee & van de Geijn 2015): blocks of KC×NC of op(B)
// and MC×KC of op(A) are copied into contiguous panels of nr columns and
// mr rows, and an assembly micro-kernel computes each mr×nr tile of C
// with the tile's accumulators in the 12 spare vector registers,
// broadcasting one A value against two 8-float B vectors per fused
// multiply-add. Elsewhere (other CPUs, arm64, -tags purego, or
// SetEnabled(false)) it is gonum's Sgemm, as before. Row blocks of C are
// split over goroutines when the product is large; every element of C is
// summed by one goroutine in a fixed order, so the result does not depend
// on GOMAXPROCS.
func Mul(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || !enabled {
		gonumSgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	packedSgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
}

// Block sizes: a KC×NC panel of B (256×4080 floats, 4 MB at most, mostly
// far smaller here) is shared by all row blocks; an MC×KC panel of A
// (120×256 floats, 120 KB) stays in L2 while the kernel sweeps B's
// panels.
const (
	gemmMR = 6
	gemmNR = 16
	gemmMC = 120
	gemmKC = 256
	gemmNC = 4080
)

// gemmParallelFlops is the product size (m·n·k) from which row blocks go
// to several goroutines.
const gemmParallelFlops = 1 << 20

var packPool = sync.Pool{New: func() any { return new([]float32) }}

func getPack(n int) *[]float32 {
	p := packPool.Get().(*[]float32)
	if cap(*p) < n {
		*p = make([]float32, n)
	}
	*p = (*p)[:n]
	return p
}

func packedSgemm(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			bp := getPack(roundUp(nc, gemmNR) * kc)
			packB(*bp, tb, b, ldb, pc, jc, kc, nc)
			acc := pc > 0
			blocks := (m + gemmMC - 1) / gemmMC
			work := func(ib int) {
				ic := ib * gemmMC
				mc := min(gemmMC, m-ic)
				ap := getPack(roundUp(mc, gemmMR) * kc)
				packA(*ap, ta, a, lda, ic, pc, mc, kc)
				macroKernel(*ap, *bp, mc, nc, kc, c[ic*ldc+jc:], ldc, acc)
				packPool.Put(ap)
			}
			workers := runtime.GOMAXPROCS(0)
			if blocks == 1 || workers == 1 || m*nc*kc < gemmParallelFlops {
				for ib := range blocks {
					work(ib)
				}
			} else {
				var wg sync.WaitGroup
				next := make(chan int, blocks)
				for ib := range blocks {
					next <- ib
				}
				close(next)
				for range min(workers, blocks) {
					wg.Go(func() {
						for ib := range next {
							work(ib)
						}
					})
				}
				wg.Wait()
			}
			packPool.Put(bp)
		}
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into panels of gemmNR columns:
// panel q holds, for each p, the gemmNR values of row p (zeros past nc).
func packB(dst []float32, tb bool, b []float32, ldb, pc, jc, kc, nc int) {
	for q := 0; q < nc; q += gemmNR {
		w := min(gemmNR, nc-q)
		panel := dst[q*kc : (q+gemmNR)*kc]
		for p := range kc {
			row := panel[p*gemmNR : (p+1)*gemmNR]
			if !tb {
				src := b[(pc+p)*ldb+jc+q:]
				copy(row[:w], src[:w])
			} else {
				for j := range w {
					row[j] = b[(jc+q+j)*ldb+pc+p]
				}
			}
			clear(row[w:])
		}
	}
}

// packA copies op(A)[ic:ic+mc, pc:pc+kc] into panels of gemmMR rows:
// panel r holds, for each p, the gemmMR values of column p (zeros past
// mc).
func packA(dst []float32, ta bool, a []float32, lda, ic, pc, mc, kc int) {
	for r := 0; r < mc; r += gemmMR {
		h := min(gemmMR, mc-r)
		panel := dst[r*kc : (r+gemmMR)*kc]
		if !ta {
			for i := range h {
				src := a[(ic+r+i)*lda+pc:]
				for p := range kc {
					panel[p*gemmMR+i] = src[p]
				}
			}
		} else {
			for p := range kc {
				src := a[(pc+p)*lda+ic+r:]
				copy(panel[p*gemmMR:p*gemmMR+h], src[:h])
			}
		}
		if h < gemmMR {
			for p := range kc {
				clear(panel[p*gemmMR+h : (p+1)*gemmMR])
			}
		}
	}
}

// macroKernel computes the mc×nc block of C at c (stride ldc) from packed
// panels, adding to C when acc.
func macroKernel(ap, bp []float32, mc, nc, kc int, c []float32, ldc int, acc bool) {
	var tmp [gemmMR * gemmNR]float32
	for q := 0; q < nc; q += gemmNR {
		w := min(gemmNR, nc-q)
		bpanel := bp[q*kc:]
		for r := 0; r < mc; r += gemmMR {
			h := min(gemmMR, mc-r)
			apanel := ap[r*kc:]
			if h == gemmMR && w == gemmNR {
				kernel6x16(kc, &apanel[0], &bpanel[0], &c[r*ldc+q], ldc, acc)
				continue
			}
			// An edge tile: the kernel writes a full tile to tmp, of
			// which the valid part goes to C.
			kernel6x16(kc, &apanel[0], &bpanel[0], &tmp[0], gemmNR, false)
			for i := range h {
				dst := c[(r+i)*ldc+q : (r+i)*ldc+q+w]
				src := tmp[i*gemmNR : i*gemmNR+w]
				if acc {
					for j, v := range src {
						dst[j] += v
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}

// Enabled reports whether Mul runs the assembly kernel (not gonum).
func Enabled() bool { return enabled }

// SetEnabled turns the kernel on (where the CPU has AVX2 and FMA) or off,
// and returns whether it is on. For tests and benchmarks; not safe while
// products run.
func SetEnabled(on bool) bool {
	enabled = on && haveAVX2FMA()
	return enabled
}

// Available reports whether this CPU and build can run the kernel.
func Available() bool { return haveAVX2FMA() }
