//go:build !amd64 || purego

package sgemm

import "os"

// No assembly kernel here: float32 products go to gonum's Sgemm.
var active = pick(os.Getenv("TAILSYNTH_GEMM"))

func kernels() []kernel { return nil }

var vecAVX = false

func addAVX2(dst, src *float32, n int) { panic("sgemm: addAVX2 without the assembly") }
