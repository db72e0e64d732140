package spectro_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

// BenchmarkForward sweeps FFT size and signal length (hop NFFT/4, Hann,
// center). MS/s is millions of input samples per second.
func BenchmarkForward(b *testing.B) {
	for _, nfft := range []int{256, 512, 1024, 2048, 1000} {
		for _, n := range []int{4000, 16000, 1000000} {
			st, _ := spectro.NewSTFT(spectro.DefaultConfig(nfft))
			x := randSignal(1, n)
			var dst *spectro.Spectrogram[complex128]
			b.Run(fmt.Sprintf("nfft=%d/n=%d", nfft, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					dst, _ = st.Forward(dst, x)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MS/s")
			})
		}
	}
}

func BenchmarkForward32(b *testing.B) {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(512))
	x := make([]float32, 16000)
	for i, v := range randSignal(1, len(x)) {
		x[i] = float32(v)
	}
	var dst *spectro.Spectrogram[complex64]
	b.ReportAllocs()
	for b.Loop() {
		dst, _ = st.Forward32(dst, x)
	}
	b.ReportMetric(float64(len(x))*float64(b.N)/b.Elapsed().Seconds()/1e6, "MS/s")
}

func BenchmarkInverse(b *testing.B) {
	for _, nfft := range []int{512, 2048} {
		for _, n := range []int{16000, 1000000} {
			st, _ := spectro.NewSTFT(spectro.DefaultConfig(nfft))
			x := randSignal(1, n)
			spec, _ := st.Forward(nil, x)
			y := make([]float64, n)
			b.Run(fmt.Sprintf("nfft=%d/n=%d", nfft, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					y, _ = st.Inverse(y, spec, n)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "MS/s")
			})
		}
	}
}

func BenchmarkGriffinLim(b *testing.B) {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(512))
	spec, _ := st.Forward(nil, chirp(16000, 100, 6000, 16000))
	mag := spectro.Magnitude(nil, spec)
	cfg := spectro.DefaultGriffinLim()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.GriffinLim(context.Background(), mag, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMel(b *testing.B) {
	bank, _ := spectro.NewMelBank(spectro.MelConfig{SampleRate: 16000, NFFT: 512, NMels: 128})
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(512))
	spec, _ := st.Forward(nil, randSignal(2, 16000))
	pow := spectro.Power(nil, spec)
	mel, _ := bank.Apply(nil, pow)
	b.Run("apply", func(b *testing.B) {
		b.ReportAllocs()
		var dst *spectro.Spectrogram[float64]
		for b.Loop() {
			dst, _ = bank.Apply(dst, pow)
		}
	})
	for _, m := range []spectro.MelInverseMethod{spectro.MelInversePinv, spectro.MelInverseNNLS} {
		b.Run(fmt.Sprintf("invert/method=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bank.Invert(context.Background(), nil, mel, spectro.MelInverseConfig{Method: m})
			}
		})
	}
}

func BenchmarkReadWAV(b *testing.B) {
	for _, bits := range []int{16, 24} {
		var buf bytes.Buffer
		a := &media.Audio{SampleRate: 16000, Channels: [][]float64{randSignal(1, 160000)}}
		for i := range a.Channels[0] {
			a.Channels[0][i] /= 5
		}
		media.WriteWAV(&buf, a, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: bits})
		data := buf.Bytes()
		b.Run(fmt.Sprintf("pcm%d/frames=160000", bits), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := media.ReadWAV(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
