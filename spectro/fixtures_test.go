package spectro_test

import (
	"fmt"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

// Tolerance against the SciPy fixtures: numpy.allclose with rtol 1e-6 and
// atol 1e-9·max|reference| (bins that are zero up to rounding cannot be
// compared relatively).
const (
	fixtureRTol = 1e-6
	fixtureATol = 1e-9
)

func configFor(t *testing.T, c fixtureCase) spectro.Config {
	t.Helper()
	cfg := spectro.ScipyConfig(c.NPerSeg, c.NOverlap)
	w, err := spectro.ParseWindow(c.Window)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Window = w
	cfg.PadEnd = c.Padded
	switch {
	case c.Boundary == nil:
		cfg.Center = false
	case *c.Boundary == "zeros":
		cfg.PadMode = spectro.PadConstant
	case *c.Boundary == "even":
		cfg.PadMode = spectro.PadReflect
	case *c.Boundary == "constant":
		cfg.PadMode = spectro.PadEdge
	default:
		t.Fatalf("boundary %q not mapped", *c.Boundary)
	}
	switch c.Scaling {
	case "spectrum":
		cfg.Scaling = spectro.ScaleSpectrum
	case "psd":
		cfg.Scaling = spectro.ScalePSD
		cfg.SampleRate = c.FS
	}
	return cfg
}

// TestScipyFixtures compares Forward with scipy.signal.stft and Inverse with
// scipy.signal.istft on the cases of testdata/cases.json (seeded random
// signals and a slice of SciPy's ECG recording).
func TestScipyFixtures(t *testing.T) {
	meta := loadCases(t)
	t.Logf("fixtures from SciPy %s; ECG from %s", meta.Scipy, meta.ECGSource)
	for _, c := range meta.Cases {
		t.Run(c.Name, func(t *testing.T) {
			x := loadNPY[float64](t, fmt.Sprintf("stft_%s_x.npy", c.Name)).Data
			wantZ := loadNPY[complex128](t, fmt.Sprintf("stft_%s_Z.npy", c.Name))
			wantX := loadNPY[float64](t, fmt.Sprintf("stft_%s_istft.npy", c.Name)).Data

			st, err := spectro.NewSTFT(configFor(t, c))
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Forward(nil, x)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bins != wantZ.Bins || got.Frames != wantZ.Frames {
				t.Fatalf("got shape %dx%d, want %dx%d (scipy)", got.Bins, got.Frames, wantZ.Bins, wantZ.Frames)
			}
			if i := closeTo(got.Data, wantZ.Data, fixtureRTol, fixtureATol*maxAbs(wantZ.Data)); i >= 0 {
				t.Errorf("STFT bin %d frame %d: got %v, want %v (scipy.signal.stft)", i/got.Frames, i%got.Frames, got.Data[i], wantZ.Data[i])
			}

			// Inverse of SciPy's own STFT, natural length, as scipy.signal.istft.
			gotX, err := st.Inverse(nil, wantZ, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(gotX) != len(wantX) {
				t.Fatalf("istft length: got %d, want %d (scipy)", len(gotX), len(wantX))
			}
			if i := closeTo(gotX, wantX, fixtureRTol, fixtureATol*maxAbs(wantX)); i >= 0 {
				t.Errorf("istft sample %d: got %v, want %v (scipy.signal.istft)", i, gotX[i], wantX[i])
			}

			// float32 path against the same reference, at float32 precision.
			x32 := make([]float32, len(x))
			for i, v := range x {
				x32[i] = float32(v)
			}
			got32, err := st.Forward32(nil, x32)
			if err != nil {
				t.Fatal(err)
			}
			g := make([]complex128, len(got32.Data))
			for i, v := range got32.Data {
				g[i] = complex128(v)
			}
			if i := closeTo(g, wantZ.Data, 1e-4, 1e-5*maxAbs(wantZ.Data)); i >= 0 {
				t.Errorf("Forward32 bin %d frame %d: got %v, want %v", i/got.Frames, i%got.Frames, g[i], wantZ.Data[i])
			}
		})
	}
}
