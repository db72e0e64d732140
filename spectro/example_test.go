package spectro_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

// A WAV file in, a dB spectrogram out as a 16-bit PNG plus the scale to
// keep in the manifest.
func Example() {
	// A 0.5 s, 1 kHz tone at 16 kHz, written and read back as 16-bit PCM.
	var wav bytes.Buffer
	tone := &media.Audio{SampleRate: 16000, Channels: [][]float64{sine(8000, 1000, 16000, 0.5)}}
	if err := media.WriteWAV(&wav, tone, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}); err != nil {
		panic(err)
	}
	audio, err := media.ReadWAV(&wav)
	if err != nil {
		panic(err)
	}
	st, err := spectro.NewSTFT(spectro.DefaultConfig(512)) // librosa defaults: hop 128, Hann, center
	if err != nil {
		panic(err)
	}
	spec, err := st.Forward(nil, audio.Mono())
	if err != nil {
		panic(err)
	}
	mag := spectro.Magnitude(nil, spec)
	db, _ := spectro.AmplitudeToDB(mag.Data, mag.Data, spectro.DBConfig{RefMax: true, Amin: 1e-5, TopDB: 80})
	_ = db // mag.Data now holds dB values
	var img bytes.Buffer
	scale, err := spectro.WritePNG16(&img, mag, spectro.PNGOptions{Kind: "db"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bins x %d frames, scale %+v\n", mag.Bins, mag.Frames, scale)
	// Output:
	// 257 bins x 63 frames, scale {Min:-80 Max:0 Kind:db}
}

func ExampleSTFT_Inverse() {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(256))
	x := sine(1000, 440, 8000, 1)
	spec, _ := st.Forward(nil, x)
	y, _ := st.Inverse(nil, spec, len(x))
	var maxErr float64
	for i := range x {
		maxErr = math.Max(maxErr, math.Abs(y[i]-x[i]))
	}
	fmt.Println(len(y), maxErr < 1e-12)
	// Output: 1000 true
}

func ExampleScipyConfig() {
	// scipy.signal.stft(x, fs, nperseg=64, noverlap=48) returns (33, 45) for
	// 700 samples: boundary zeros, padded, spectrum scaling.
	st, _ := spectro.NewSTFT(spectro.ScipyConfig(64, 48))
	spec, _ := st.Forward(nil, make([]float64, 700))
	fmt.Println(spec.Bins, spec.Frames)
	// Output: 33 45
}

func ExampleSTFT_GriffinLim() {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(256))
	spec, _ := st.Forward(nil, chirp(4000, 100, 3000, 8000))
	mag := spectro.Magnitude(nil, spec)
	cfg := spectro.DefaultGriffinLim() // 32 iterations, momentum 0.99
	cfg.Seed, cfg.Length = 1, 4000     // without Length: the natural length, 64·62 = 3968
	res, err := st.GriffinLim(context.Background(), mag, cfg)
	if err != nil {
		panic(err)
	}
	sc := res.Convergence
	fmt.Println(len(res.Signal), len(sc), sc[len(sc)-1] < sc[0])
	// Output: 4000 32 true
}

func ExampleMelBank_Apply() {
	bank, _ := spectro.NewMelBank(spectro.MelConfig{SampleRate: 16000, NFFT: 512, NMels: 40})
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(512))
	spec, _ := st.Forward(nil, sine(16000, 440, 16000, 1))
	mel, _ := bank.Apply(nil, spectro.Power(nil, spec))
	fmt.Println(mel.Bins, mel.Frames)
	// Output: 40 126
}

func ExampleTimeMask() {
	s := spectro.NewSpectrogram[float32](4, 10)
	rng := rand.New(rand.NewPCG(42, 0))
	_, masks, _ := spectro.TimeMask(rng, s, spectro.MaskConfig{Count: 2, MaxWidth: 3, Value: -80})
	fmt.Println(len(masks))
	// Output: 2
}
