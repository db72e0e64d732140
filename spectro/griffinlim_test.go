package spectro_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tailsynth/tailsynth/spectro"
)

// TestGriffinLimChirp reconstructs a linear chirp from its STFT magnitude.
// Thresholds (measured, with margin): fast GL reaches spectral convergence
// below 0.1 in 100 iterations; the final value is below a third of the
// first; with the same seed the result is identical.
func TestGriffinLimChirp(t *testing.T) {
	st, err := spectro.NewSTFT(spectro.DefaultConfig(256))
	if err != nil {
		t.Fatal(err)
	}
	x := chirp(4000, 100, 3000, 8000)
	spec, _ := st.Forward(nil, x)
	mag := spectro.Magnitude(nil, spec)
	cfg := spectro.DefaultGriffinLim()
	cfg.Iterations, cfg.Seed = 100, 7
	res, err := st.GriffinLim(context.Background(), mag, cfg)
	if err != nil {
		t.Fatal(err)
	}
	sc := res.Convergence
	if len(sc) != 100 {
		t.Fatalf("got %d convergence values, want 100", len(sc))
	}
	first, last := sc[0], sc[len(sc)-1]
	t.Logf("spectral convergence: first %.4f, 10th %.4f, last %.4f", first, sc[9], last)
	if !(last < first/3) {
		t.Errorf("convergence did not decrease: first %v, last %v", first, last)
	}
	if last > 0.1 {
		t.Errorf("final spectral convergence %v, want < 0.1", last)
	}
	if len(res.Signal) != st.OutputLength(mag.Frames) {
		t.Errorf("signal length %d, want %d", len(res.Signal), st.OutputLength(mag.Frames))
	}
	// Momentum helps: classic GL (momentum 0) ends higher after the same
	// number of iterations.
	classic := cfg
	classic.Momentum = 0
	rc, err := st.GriffinLim(context.Background(), mag, classic)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("classic GL last %.4f", rc.Convergence[len(rc.Convergence)-1])
	if rc.Convergence[len(rc.Convergence)-1] <= last {
		t.Errorf("classic GL %v not worse than fast GL %v", rc.Convergence[len(rc.Convergence)-1], last)
	}
	again, _ := st.GriffinLim(context.Background(), mag, cfg)
	for i := range res.Signal {
		if again.Signal[i] != res.Signal[i] {
			t.Fatalf("same seed, sample %d differs: %v vs %v", i, again.Signal[i], res.Signal[i])
		}
	}
}

func TestGriffinLimZeroInitAndErrors(t *testing.T) {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(128))
	spec, _ := st.Forward(nil, chirp(2000, 200, 2000, 8000))
	mag := spectro.Magnitude(nil, spec)
	cfg := spectro.GriffinLimConfig{Iterations: 20, Momentum: 0.99, Init: spectro.PhaseZero}
	res, err := st.GriffinLim(context.Background(), mag, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Convergence[19] >= res.Convergence[0] {
		t.Errorf("zero init: convergence %v -> %v did not decrease", res.Convergence[0], res.Convergence[19])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.GriffinLim(ctx, mag, cfg); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
	bad := []spectro.GriffinLimConfig{{Iterations: 0}, {Iterations: 5, Momentum: -1}, {Iterations: 5, Momentum: 1.5}, {Iterations: 5, Length: 10}}
	for _, c := range bad {
		if _, err := st.GriffinLim(context.Background(), mag, c); err == nil {
			t.Errorf("%+v: got nil error", c)
		}
	}
}
