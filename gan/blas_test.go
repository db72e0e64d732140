package gan

import (
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/internal/sgemm"
)

// TestGEMMKernelName checks that BLAS, which job reports and stored
// models record, names the matrix kernel the products run on, and logs it
// for scripts/bench/gan/bench.sh.
func TestGEMMKernelName(t *testing.T) {
	t.Logf("sgemm kernel: %s", sgemm.Kernel())
	if useGEMMKernel && !strings.Contains(BLAS(), sgemm.Kernel()+" kernel") {
		t.Errorf("BLAS() = %q, want it to name the %s kernel", BLAS(), sgemm.Kernel())
	}
}
