package gan

import "github.com/tailsynth/tailsynth/internal/sgemm"

// blasName names the BLAS that gorgonia's matrix products use; the
// openblas build tag replaces the default (see blas_openblas.go).
var blasName = "gonum (pure Go)"

// BLAS names the BLAS implementation this build uses for matrix products:
// in the default build, float32 products on internal/sgemm's packed GEMM
// (its AVX-512 or AVX2/FMA kernel, whichever is the widest the CPU has)
// and gonum's pure-Go BLAS otherwise; OpenBLAS with -tags openblas.
func BLAS() string {
	if useGEMMKernel {
		return "tailsynth sgemm, " + sgemm.Kernel() + " kernel (pure Go + assembly), gonum for float64"
	}
	return blasName
}

// blasSingleThread, where the BLAS has threads of its own (OpenBLAS), makes
// it use one; data-parallel training calls it. Nil for gonum, whose
// products split over goroutines the Go scheduler shares with the
// shards.
var blasSingleThread func()

// useGEMMKernel routes float32 products to internal/sgemm's kernel; the
// OpenBLAS build sends them to OpenBLAS instead.
var useGEMMKernel = sgemm.Enabled()
