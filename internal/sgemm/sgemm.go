// Package sgemm is a float32 matrix product for the default (pure-Go,
// no cgo) build: a packed GEMM with an assembly micro-kernel on amd64
// CPUs, AVX-512F where the CPU has it and AVX2/FMA otherwise, gonum's
// Sgemm elsewhere. The GAN (gan) and the CNN utility judge (quality) do
// their products with it.
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
// with the tile's accumulators in registers, broadcasting one A value
// against the B vectors of a row per fused multiply-add: 12×32 in 24 of
// the 32 512-bit registers with AVX-512F, 6×16 in 12 of the 16 256-bit
// ones with AVX2. Elsewhere (other CPUs, arm64, -tags purego, or
// SetEnabled(false)) it is gonum's Sgemm, as before. Row blocks of C are
// split over goroutines when the product is large; every element of C is
// summed by one goroutine in a fixed order, so the result does not depend
// on GOMAXPROCS (it does depend on the kernel: the two sum in the same
// order, but the edge of a block falls elsewhere).
func Mul(ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	kern := active
	if k == 0 || kern == nil {
		gonumSgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
		return
	}
	packedSgemm(kern, ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
}

// kernel is one assembly micro-kernel: fn computes the mr×nr tile
// C = Σ_p a[p*mr+i]·b[p*nr+j] over kc values of p from packed panels
// (C += with acc), C at c with row stride ldc (floats).
type kernel struct {
	name   string
	mr, nr int
	fn     func(kc int, a, b, c *float32, ldc int, acc bool)
}

// pick returns the kernel named by TAILSYNTH_GEMM's value: "" the widest
// this CPU has, "gonum" none, or a kernel's name if the CPU has it (the
// widest otherwise).
func pick(name string) *kernel {
	ks := kernels()
	if name == "gonum" || len(ks) == 0 {
		return nil
	}
	for i := range ks {
		if ks[i].name == name {
			return &ks[i]
		}
	}
	return &ks[0]
}

// Block sizes: a KC×NC panel of B (256×4096 floats, 4 MB at most, mostly
// far smaller here) is shared by all row blocks; an MC×KC panel of A
// (120×256 floats, 120 KB) stays in L2 while the kernel sweeps B's
// panels. MC and NC are multiples of every kernel's mr and nr.
const (
	gemmMC = 120
	gemmKC = 256
	gemmNC = 4096
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

func packedSgemm(kern *kernel, ta, tb bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	mr, nr := kern.mr, kern.nr
	for jc := 0; jc < n; jc += gemmNC {
		nc := min(gemmNC, n-jc)
		for pc := 0; pc < k; pc += gemmKC {
			kc := min(gemmKC, k-pc)
			bp := getPack(roundUp(nc, nr) * kc)
			packB(*bp, nr, tb, b, ldb, pc, jc, kc, nc)
			acc := pc > 0
			blocks := (m + gemmMC - 1) / gemmMC
			work := func(ib int) {
				ic := ib * gemmMC
				mc := min(gemmMC, m-ic)
				ap := getPack(roundUp(mc, mr) * kc)
				packA(*ap, mr, ta, a, lda, ic, pc, mc, kc)
				macroKernel(kern, *ap, *bp, mc, nc, kc, c[ic*ldc+jc:], ldc, acc)
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

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into panels of nr columns:
// panel q holds, for each p, the nr values of row p (zeros past nc).
func packB(dst []float32, nr int, tb bool, b []float32, ldb, pc, jc, kc, nc int) {
	for q := 0; q < nc; q += nr {
		w := min(nr, nc-q)
		panel := dst[q*kc : (q+nr)*kc]
		for p := range kc {
			row := panel[p*nr : (p+1)*nr]
			if !tb && w == 32 && nr == 32 {
				o := (pc+p)*ldb + jc + q
				*(*[32]float32)(row) = [32]float32(b[o : o+32])
				continue
			}
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

// packA copies op(A)[ic:ic+mc, pc:pc+kc] into panels of mr rows: panel r
// holds, for each p, the mr values of column p (zeros past mc).
func packA(dst []float32, mr int, ta bool, a []float32, lda, ic, pc, mc, kc int) {
	for r := 0; r < mc; r += mr {
		h := min(mr, mc-r)
		panel := dst[r*kc : (r+mr)*kc]
		if !ta && h == 12 && mr == 12 {
			packA12(panel[:12*kc], a[(ic+r)*lda+pc:], lda, kc)
		} else if !ta {
			for i := range h {
				src := a[(ic+r+i)*lda+pc:]
				src = src[:kc]
				for p, v := range src {
					panel[p*mr+i] = v
				}
			}
		} else if h == 12 && mr == 12 {
			// Twelve moves: copy's call into memmove cost more than its
			// 48 bytes.
			for p := range kc {
				o := (pc+p)*lda + ic + r
				d, s := panel[p*12:p*12+12:p*12+12], a[o:o+12:o+12]
				d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
				d[4], d[5], d[6], d[7] = s[4], s[5], s[6], s[7]
				d[8], d[9], d[10], d[11] = s[8], s[9], s[10], s[11]
			}
		} else {
			for p := range kc {
				src := a[(pc+p)*lda+ic+r:]
				copy(panel[p*mr:p*mr+h], src[:h])
			}
		}
		if h < mr {
			for p := range kc {
				clear(panel[p*mr+h : (p+1)*mr])
			}
		}
	}
}

// packA12 interleaves 12 rows of a (stride lda) into dst, column by
// column, so that the writes are sequential: the general loop above
// writes every 12th float, 12 times over the panel.
func packA12(dst, a []float32, lda, kc int) {
	r0, r1, r2, r3 := a[:kc], a[lda:lda+kc], a[2*lda:2*lda+kc], a[3*lda:3*lda+kc]
	r4, r5, r6, r7 := a[4*lda:4*lda+kc], a[5*lda:5*lda+kc], a[6*lda:6*lda+kc], a[7*lda:7*lda+kc]
	r8, r9, r10, r11 := a[8*lda:8*lda+kc], a[9*lda:9*lda+kc], a[10*lda:10*lda+kc], a[11*lda:11*lda+kc]
	dst = dst[:12*kc]
	for p := range kc {
		d := dst[p*12 : p*12+12 : p*12+12]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
		d[8], d[9], d[10], d[11] = r8[p], r9[p], r10[p], r11[p]
	}
}

// maxTile is the largest kernel's tile (12×32).
const maxTile = 12 * 32

// macroKernel computes the mc×nc block of C at c (stride ldc) from packed
// panels, adding to C when acc.
func macroKernel(kern *kernel, ap, bp []float32, mc, nc, kc int, c []float32, ldc int, acc bool) {
	mr, nr, fn := kern.mr, kern.nr, kern.fn
	var tmp [maxTile]float32
	for q := 0; q < nc; q += nr {
		w := min(nr, nc-q)
		bpanel := bp[q*kc:]
		for r := 0; r < mc; r += mr {
			h := min(mr, mc-r)
			apanel := ap[r*kc:]
			if h == mr && w == nr {
				fn(kc, &apanel[0], &bpanel[0], &c[r*ldc+q], ldc, acc)
				continue
			}
			// An edge tile: the kernel writes a full tile to tmp, of
			// which the valid part goes to C.
			fn(kc, &apanel[0], &bpanel[0], &tmp[0], nr, false)
			for i := range h {
				dst := c[(r+i)*ldc+q : (r+i)*ldc+q+w]
				src := tmp[i*nr : i*nr+w]
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

// Enabled reports whether Mul runs an assembly kernel (not gonum).
func Enabled() bool { return active != nil }

// Kernel names the kernel Mul runs: "avx512", "avx2" or "gonum".
func Kernel() string {
	if active == nil {
		return "gonum"
	}
	return active.name
}

// Kernels names the assembly kernels this CPU and build can run, widest
// first.
func Kernels() []string {
	var out []string
	for _, k := range kernels() {
		out = append(out, k.name)
	}
	return out
}

// SetKernel makes Mul run the named kernel ("avx512", "avx2", or "gonum"
// for the fallback) and reports whether this CPU has it; when it does not,
// nothing changes. For tests and benchmarks; not safe while products run.
func SetKernel(name string) bool {
	if name == "gonum" {
		active = nil
		return true
	}
	for _, k := range kernels() {
		if k.name == name {
			active = &k
			return true
		}
	}
	return false
}

// SetEnabled turns the widest kernel on (where the CPU has AVX2 and FMA)
// or off, and returns whether it is on. For tests and benchmarks; not
// safe while products run.
func SetEnabled(on bool) bool {
	active = nil
	if on {
		active = pick("")
	}
	return active != nil
}

// Available reports whether this CPU and build can run a kernel.
func Available() bool { return len(kernels()) > 0 }

// Add sets dst[i] += src[i] for every i < len(dst) (src at least as
// long): 8 floats an instruction with AVX where the CPU has AVX2, a loop
// elsewhere. For the adjoint of im2col (gan's col2im), whose additions of
// a pixel's channels were a sixth of the generator's sampling time one
// float at a time. The sums are the same either way (one addition per
// element).
func Add(dst, src []float32) {
	src = src[:len(dst)]
	i := 0
	if vecAVX && len(dst) >= 8 {
		i = len(dst) &^ 7
		addAVX2(&dst[0], &src[0], i)
	}
	for ; i < len(dst); i++ {
		dst[i] += src[i]
	}
}
