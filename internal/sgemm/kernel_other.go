//go:build !amd64 || purego

package sgemm

// No assembly kernel here: float32 products go to gonum's Sgemm.
var enabled = false

func haveAVX2FMA() bool { return false }

func kernel6x16(kc int, a, b, c *float32, ldc int, acc bool) {
	panic("sgemm: kernel6x16 without the assembly kernel")
}
