package spectro

import (
	"context"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// PhaseInit selects the initial phase of [STFT.GriffinLim]. The zero value
// is PhaseRandom.
type PhaseInit int

const (
	// PhaseRandom draws each initial phase uniformly from [0, 2π) with a
	// PCG generator seeded by GriffinLimConfig.Seed (librosa init="random").
	PhaseRandom PhaseInit = iota
	// PhaseZero starts from zero phase (librosa init=None).
	PhaseZero
)

// GriffinLimConfig configures [STFT.GriffinLim]. Start from
// [DefaultGriffinLim] for librosa's defaults.
type GriffinLimConfig struct {
	// Iterations is the number of projections, >= 1 (librosa n_iter=32).
	Iterations int
	// Momentum is α of the fast Griffin-Lim (Perraudin, Balazs and
	// Søndergaard 2013), in [0, 1) for guaranteed behaviour (librosa
	// allows up to 1 and warns above); 0 is the classic algorithm of
	// Griffin and Lim (1984). librosa's default is 0.99.
	Momentum float64
	Init     PhaseInit
	Seed     uint64
	// Length of the output signal; 0 means the natural length
	// (STFT.OutputLength). It must give the spectrogram's frame count.
	Length int
}

// DefaultGriffinLim returns librosa.griffinlim's defaults: 32 iterations,
// momentum 0.99, random initial phase (seed 0).
func DefaultGriffinLim() GriffinLimConfig {
	return GriffinLimConfig{Iterations: 32, Momentum: 0.99, Init: PhaseRandom}
}

// tinyNormal is the smallest normal float64, librosa's util.tiny for
// complex128, the ε of the phase normalisation.
const tinyNormal = 0x1p-1022

// GriffinLimResult is the output of [STFT.GriffinLim].
type GriffinLimResult struct {
	Signal []float64
	// Convergence[i] is the spectral convergence after iteration i,
	// ‖S − |STFT(x_i)|‖_F / ‖S‖_F, where x_i is the signal of iteration
	// i. It need not decrease monotonically with momentum.
	Convergence []float64
}

// GriffinLim estimates a signal whose STFT magnitude approximates mag
// (Bins×Frames, non-negative), with the fast Griffin-Lim algorithm as
// librosa.griffinlim implements it. With c_n the complex STFT at
// iteration n and X = mag·exp(i·angles):
//
//	x_n   = Inverse(mag · angles_n)
//	c_n   = Forward(x_n)
//	t_n   = c_n − α/(1+α) · c_{n−1}          (c_{−1} = 0)
//	angles_{n+1} = t_n / (|t_n| + ε)
//
// and the result is Inverse(mag · angles_N). The STFT must satisfy NOLA.
// ctx is checked every iteration; on cancellation the error wraps
// ctx.Err().
func (s *STFT) GriffinLim(ctx context.Context, mag *Spectrogram[float64], c GriffinLimConfig) (*GriffinLimResult, error) {
	if err := mag.check("magnitude"); err != nil {
		return nil, err
	}
	if mag.Bins != s.bins {
		return nil, fmt.Errorf("magnitude has %d bins, NFFT %d needs %d: %w", mag.Bins, s.nfft, s.bins, ErrShape)
	}
	if c.Iterations < 1 {
		return nil, fmt.Errorf("GriffinLim Iterations %d: want >= 1: %w", c.Iterations, ErrInvalidConfig)
	}
	if !(c.Momentum >= 0) || c.Momentum > 1 {
		return nil, fmt.Errorf("GriffinLim Momentum %v: want 0..1 (librosa's default 0.99): %w", c.Momentum, ErrInvalidConfig)
	}
	if c.Init != PhaseRandom && c.Init != PhaseZero {
		return nil, fmt.Errorf("GriffinLim Init %d: want PhaseRandom or PhaseZero: %w", c.Init, ErrInvalidConfig)
	}
	length := c.Length
	if length == 0 {
		length = s.OutputLength(mag.Frames)
	}
	if got := s.Frames(length); got != mag.Frames {
		return nil, fmt.Errorf("GriffinLim Length %d gives %d frames, magnitude has %d: %w", length, got, mag.Frames, ErrShape)
	}
	var norm float64
	for _, v := range mag.Data {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("magnitude value %v: want finite and >= 0: %w", v, ErrInvalidConfig)
		}
		norm += v * v
	}
	norm = math.Sqrt(norm)

	n := len(mag.Data)
	angles := make([]complex128, n)
	switch c.Init {
	case PhaseRandom:
		rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9E3779B97F4A7C15))
		for i := range angles {
			sn, cs := math.Sincos(2 * math.Pi * rng.Float64())
			angles[i] = complex(cs, sn)
		}
	case PhaseZero:
		for i := range angles {
			angles[i] = 1
		}
	}
	spec := &Spectrogram[complex128]{Bins: mag.Bins, Frames: mag.Frames, Data: make([]complex128, n)}
	rebuilt := &Spectrogram[complex128]{Bins: mag.Bins, Frames: mag.Frames, Data: make([]complex128, n)}
	prev := make([]complex128, n)
	x := make([]float64, length)
	beta := c.Momentum / (1 + c.Momentum)
	res := &GriffinLimResult{Convergence: make([]float64, 0, c.Iterations)}
	for it := 0; it < c.Iterations; it++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("GriffinLim stopped after %d of %d iterations: %w", it, c.Iterations, err)
		}
		for i, a := range angles {
			spec.Data[i] = complex(mag.Data[i], 0) * a
		}
		var err error
		if x, err = s.Inverse(x, spec, length); err != nil {
			return nil, err
		}
		copy(prev, rebuilt.Data)
		if rebuilt, err = s.Forward(rebuilt, x); err != nil {
			return nil, err
		}
		var diff float64
		for i, v := range rebuilt.Data {
			d := mag.Data[i] - cmplx.Abs(v)
			diff += d * d
			t := v
			if it > 0 {
				t -= complex(beta, 0) * prev[i]
			}
			inv := 1 / (cmplx.Abs(t) + tinyNormal)
			angles[i] = complex(real(t)*inv, imag(t)*inv)
		}
		sc := 0.0
		if norm > 0 {
			sc = math.Sqrt(diff) / norm
		}
		res.Convergence = append(res.Convergence, sc)
	}
	for i, a := range angles {
		spec.Data[i] = complex(mag.Data[i], 0) * a
	}
	var err error
	if res.Signal, err = s.Inverse(nil, spec, length); err != nil {
		return nil, err
	}
	return res, nil
}
