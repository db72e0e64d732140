//go:build amd64 && !purego

package sgemm

import "os"

// kernel6x16 computes the 6×16 tile C = Σ_p a[p*6+i]·b[p*16+j] over kc
// values of p (C += with acc), C at c with row stride ldc (floats).
// AVX2 and FMA; see gemm_amd64.s.
//
//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, acc bool)

// cpuid and xgetbv read the CPU's features (gemm_amd64.s).
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax uint32)

// haveAVX2FMA reports AVX2 and FMA, and an OS that saves the AVX
// registers (OSXSAVE and XCR0's SSE and AVX bits).
func haveAVX2FMA() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&fma == 0 || ecx1&osxsave == 0 || ecx1&avx == 0 {
		return false
	}
	if xgetbv()&6 != 6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0 // AVX2
}

// enabled routes products to the packed AVX2/FMA GEMM; tests turn it off
// to check the fallback, and TAILSYNTH_GEMM=gonum turns it off to compare
// (scripts/bench/gan).
var enabled = haveAVX2FMA() && os.Getenv("TAILSYNTH_GEMM") != "gonum"
