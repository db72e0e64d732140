//go:build cgo && openblas

package gan

// With the build tag openblas (and cgo), gorgonia's matrix products go to
// OpenBLAS through gonum.org/v1/netlib (Debian: libopenblas-dev). This is
// process-wide (gorgonia.Use). Threads: OPENBLAS_NUM_THREADS.
//
//	go test -tags openblas ./gan/...

/*
#cgo LDFLAGS: -lopenblas
void openblas_set_num_threads(int);
*/
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() {
	G.Use(netlib.Implementation{})
	blasName = "openblas (cgo, gonum.org/v1/netlib)"
	// Data-parallel training (Trainer.SetWorkers > 1) runs one shard per
	// core: OpenBLAS's own threads would compete with them.
	blasSingleThread = func() { C.openblas_set_num_threads(1) }
	// Products go to OpenBLAS, not to gemm.go's kernel.
	useGEMMKernel = false
}
