//go:build amd64 && !purego

package sgemm

import "os"

// kernel6x16 computes the 6×16 tile C = Σ_p a[p*6+i]·b[p*16+j] over kc
// values of p (C += with acc), C at c with row stride ldc (floats).
// AVX2 and FMA; see gemm_amd64.s.
//
//go:noescape
func kernel6x16(kc int, a, b, c *float32, ldc int, acc bool)

// kernel12x32 is kernel6x16's AVX-512F twin: the 12×32 tile
// C = Σ_p a[p*12+i]·b[p*32+j], in 24 of the 32 vector registers.
//
//go:noescape
func kernel12x32(kc int, a, b, c *float32, ldc int, acc bool)

// addAVX2 sets dst[i] += src[i] for i < n, n a multiple of 8 (AVX).
//
//go:noescape
func addAVX2(dst, src *float32, n int)

// vecAVX reports whether Add may run addAVX2.
var vecAVX = haveAVX2FMA()

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

// haveAVX512 reports AVX-512F on top of AVX2/FMA, and an OS that saves
// the opmask and all 32 512-bit registers (XCR0 bits 5-7).
func haveAVX512() bool {
	if !haveAVX2FMA() {
		return false
	}
	if xgetbv()&0xe6 != 0xe6 {
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<16) != 0 // AVX512F
}

// The kernels this CPU can run, widest first.
func kernels() []kernel {
	var out []kernel
	if haveAVX512() {
		out = append(out, kernel{name: "avx512", mr: 12, nr: 32, fn: kernel12x32})
	}
	if haveAVX2FMA() {
		out = append(out, kernel{name: "avx2", mr: 6, nr: 16, fn: kernel6x16})
	}
	return out
}

// active is the kernel products use, nil for gonum's Sgemm: the widest
// the CPU has, unless TAILSYNTH_GEMM names another ("avx2", or "gonum" to
// compare with the fallback: scripts/bench/gan).
var active = pick(os.Getenv("TAILSYNTH_GEMM"))
