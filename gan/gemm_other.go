//go:build !amd64 || purego

package gan

// No assembly kernel here: float32 products go to gonum's Sgemm.
var useGEMMKernel = false

func haveAVX2FMA() bool { return false }

func kernel6x16(kc int, a, b, c *float32, ldc int, acc bool) {
	panic("gan: kernel6x16 without the assembly kernel")
}
