package spectro_test

import (
	"encoding/json"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

func loadNPY[T media.NPYElem](t *testing.T, name string) *spectro.Spectrogram[T] {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := spectro.ReadNPY[T](f)
	if err != nil {
		t.Fatalf("ReadNPY(%s): %v", name, err)
	}
	return s
}

type fixtureCase struct {
	Name     string  `json:"name"`
	FS       float64 `json:"fs"`
	Window   string  `json:"window"`
	NPerSeg  int     `json:"nperseg"`
	NOverlap int     `json:"noverlap"`
	Boundary *string `json:"boundary"`
	Padded   bool    `json:"padded"`
	Scaling  string  `json:"scaling"`
	N        int     `json:"n"`
	Bins     int     `json:"bins"`
	Frames   int     `json:"frames"`
	ISTFTLen int     `json:"istft_len"`
}

type fixtureMeta struct {
	Scipy     string        `json:"scipy"`
	ECGSource string        `json:"ecg_source"`
	Cases     []fixtureCase `json:"cases"`
}

func loadCases(t *testing.T) fixtureMeta {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m fixtureMeta
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) == 0 {
		t.Fatal("cases.json lists no cases")
	}
	return m
}

// maxAbs returns max |v| over vs.
func maxAbs[T float64 | complex128](vs []T) float64 {
	var m float64
	for _, v := range vs {
		m = math.Max(m, abs(v))
	}
	return m
}

func abs[T float64 | complex128](v T) float64 {
	switch v := any(v).(type) {
	case float64:
		return math.Abs(v)
	case complex128:
		return cmplx.Abs(v)
	}
	panic("unreachable")
}

// closeTo reports the first index where |got−want| > rtol·|want| + atol,
// or −1. The tolerance is numpy.allclose's.
func closeTo[T float64 | complex128](got, want []T, rtol, atol float64) int {
	for i := range want {
		if abs(got[i]-want[i]) > rtol*abs(want[i])+atol {
			return i
		}
	}
	return -1
}

// sine returns n samples of amplitude·sin(2π·f·i/sr).
func sine(n int, f, sr, amplitude float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = amplitude * math.Sin(2*math.Pi*f*float64(i)/sr)
	}
	return x
}

// chirp returns a linear chirp from f0 to f1 Hz over n samples.
func chirp(n int, f0, f1, sr float64) []float64 {
	x := make([]float64, n)
	dur := float64(n) / sr
	for i := range x {
		tt := float64(i) / sr
		x[i] = math.Sin(2 * math.Pi * (f0*tt + (f1-f0)*tt*tt/(2*dur)))
	}
	return x
}
