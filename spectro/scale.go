package spectro

import (
	"fmt"
	"math"
	"math/cmplx"
)

// Magnitude writes |X| of a complex spectrogram into dst and returns it
// (allocated when dst is nil, reshaped otherwise).
func Magnitude(dst *Spectrogram[float64], x *Spectrogram[complex128]) *Spectrogram[float64] {
	dst = reshape(dst, x.Bins, x.Frames)
	for i, v := range x.Data {
		dst.Data[i] = cmplx.Abs(v)
	}
	return dst
}

// Power writes |X|² of a complex spectrogram into dst and returns it
// (allocated when dst is nil, reshaped otherwise).
func Power(dst *Spectrogram[float64], x *Spectrogram[complex128]) *Spectrogram[float64] {
	dst = reshape(dst, x.Bins, x.Frames)
	for i, v := range x.Data {
		dst.Data[i] = real(v)*real(v) + imag(v)*imag(v)
	}
	return dst
}

// DBConfig holds the parameters of librosa.power_to_db and
// librosa.amplitude_to_db.
type DBConfig struct {
	// Ref is the reference value that maps to 0 dB (librosa ref=<number>).
	// Ignored when RefMax is set.
	Ref float64
	// RefMax uses the largest input value as the reference, librosa's
	// ref=np.max: the loudest bin maps to 0 dB.
	RefMax bool
	// Amin is the floor applied to the input (and reference) before the
	// logarithm, > 0. librosa's defaults: 1e-10 for power, 1e-5 for
	// amplitude.
	Amin float64
	// TopDB, when > 0, clips the output at max(output) − TopDB. 0 disables
	// clipping (librosa top_db=None). librosa's default is 80.
	TopDB float64
}

// DefaultPowerDB returns librosa.power_to_db's defaults: ref 1, amin 1e-10,
// top_db 80.
func DefaultPowerDB() DBConfig { return DBConfig{Ref: 1, Amin: 1e-10, TopDB: 80} }

// DefaultAmplitudeDB returns librosa.amplitude_to_db's defaults: ref 1,
// amin 1e-5, top_db 80.
func DefaultAmplitudeDB() DBConfig { return DBConfig{Ref: 1, Amin: 1e-5, TopDB: 80} }

func (c DBConfig) validate() error {
	if !(c.Amin > 0) {
		return fmt.Errorf("Amin %v: want > 0: %w", c.Amin, ErrInvalidConfig)
	}
	if !(c.TopDB >= 0) {
		return fmt.Errorf("TopDB %v: want >= 0 (0 disables): %w", c.TopDB, ErrInvalidConfig)
	}
	if !c.RefMax && !(math.Abs(c.Ref) > 0) {
		return fmt.Errorf("Ref %v: want a nonzero reference or RefMax: %w", c.Ref, ErrInvalidConfig)
	}
	return nil
}

func dstFor(dst []float64, n int) ([]float64, error) {
	if dst == nil {
		return make([]float64, n), nil
	}
	if len(dst) != n {
		return nil, fmt.Errorf("dst has %d values, src %d: %w", len(dst), n, ErrShape)
	}
	return dst, nil
}

// PowerToDB converts a power spectrogram (flat values, e.g.
// Spectrogram.Data) to decibels as librosa.power_to_db does:
//
//	db = 10·log10(max(amin, S)) − 10·log10(max(amin, |ref|))
//	db = max(db, max(db) − top_db)            (when TopDB > 0)
//
// dst may be nil (allocated), src itself (in place), or of len(src).
func PowerToDB(dst, src []float64, c DBConfig) ([]float64, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	dst, err := dstFor(dst, len(src))
	if err != nil {
		return nil, err
	}
	ref := math.Abs(c.Ref)
	if c.RefMax {
		ref = maxOf(src)
	}
	powerToDB(dst, src, ref, c.Amin, c.TopDB)
	return dst, nil
}

func powerToDB(dst, src []float64, ref, amin, topDB float64) {
	off := 10 * math.Log10(math.Max(amin, ref))
	top := math.Inf(-1)
	for i, v := range src {
		d := 10*math.Log10(math.Max(amin, v)) - off
		dst[i] = d
		top = math.Max(top, d)
	}
	if topDB > 0 {
		floor := top - topDB
		for i, v := range dst {
			dst[i] = math.Max(v, floor)
		}
	}
}

// AmplitudeToDB converts a magnitude spectrogram to decibels as
// librosa.amplitude_to_db does: PowerToDB(|S|², ref², amin², top_db), where
// ref is max|S| under RefMax. It is 20·log10 of the amplitude ratio.
func AmplitudeToDB(dst, src []float64, c DBConfig) ([]float64, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	dst, err := dstFor(dst, len(src))
	if err != nil {
		return nil, err
	}
	ref := math.Abs(c.Ref)
	if c.RefMax {
		ref = 0
		for _, v := range src {
			ref = math.Max(ref, math.Abs(v))
		}
	}
	for i, v := range src {
		dst[i] = v * v
	}
	powerToDB(dst, dst, ref*ref, c.Amin*c.Amin, c.TopDB)
	return dst, nil
}

// DBToPower inverts PowerToDB (without its clipping): S = ref·10^(db/10),
// librosa.db_to_power.
func DBToPower(dst, src []float64, ref float64) ([]float64, error) {
	dst, err := dstFor(dst, len(src))
	if err != nil {
		return nil, err
	}
	for i, v := range src {
		dst[i] = ref * math.Pow(10, 0.1*v)
	}
	return dst, nil
}

// DBToAmplitude inverts AmplitudeToDB (without its clipping):
// S = ref·10^(db/20), librosa.db_to_amplitude.
func DBToAmplitude(dst, src []float64, ref float64) ([]float64, error) {
	dst, err := dstFor(dst, len(src))
	if err != nil {
		return nil, err
	}
	for i, v := range src {
		dst[i] = ref * math.Pow(10, 0.05*v)
	}
	return dst, nil
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
