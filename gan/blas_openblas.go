//go:build cgo && openblas

package gan

// With the build tag openblas (and cgo), gorgonia's matrix products go to
// OpenBLAS through gonum.org/v1/netlib (Debian: libopenblas-dev). This is
// process-wide (gorgonia.Use). Threads: OPENBLAS_NUM_THREADS.
//
//	go test -tags openblas ./gan/...

/*
#cgo LDFLAGS: -lopenblas
*/
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

func init() {
	G.Use(netlib.Implementation{})
	blasName = "openblas (cgo, gonum.org/v1/netlib)"
}
