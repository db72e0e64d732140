package gangen

import (
	"encoding/json"
	"math"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/spectro"
)

// STFTName is the stftsynth generator's name in jobs and in the registry.
const STFTName = "stftsynth"

// STFTParams are the stftsynth generator's parameters: the training
// parameters, the spectrogram features and the output.
type STFTParams struct {
	TrainParams
	NFFT      int     `json:"n_fft"`
	HopLength int     `json:"hop_length"`
	Frames    int     `json:"frames"`
	NMels     int     `json:"n_mels"`
	TopDB     float64 `json:"top_db"`
	// MaxWindows bounds the frames-long windows cut from one file.
	MaxWindows       int     `json:"max_windows"`
	MaxSeconds       float64 `json:"max_seconds"`
	MaxFilesPerClass int     `json:"max_files_per_class"`
	Format           string  `json:"format"`
	Waveform         bool    `json:"waveform"`
	Iterations       int     `json:"iterations"`
}

// DefaultSTFTParams returns DefaultTrainParams with a 256-point STFT (hop
// 64, Hann, centred), 64-frame windows (up to 8 per file, from the first
// 60 s), linear frequency (128 bins), dB clipped 80 dB below each file's
// loudest bin, 16-bit PNG output, 32 Griffin-Lim iterations for waveforms.
func DefaultSTFTParams() STFTParams {
	return STFTParams{
		TrainParams: DefaultTrainParams(), NFFT: 256, HopLength: 64, Frames: 64, TopDB: 80,
		MaxWindows: 8, MaxSeconds: 60, MaxFilesPerClass: 5000, Format: "png16", Iterations: 32,
	}
}

// stftConfig is STFTParams checked.
type stftConfig struct {
	trainConfig
	p STFTParams
}

// Feature parameters a model fixes.
var stftModelKeys = []string{"n_fft", "hop_length", "frames", "n_mels", "top_db"}

func parseSTFTParams(raw json.RawMessage) (stftConfig, error) {
	p := DefaultSTFTParams()
	if err := generators.DecodeParams(STFTName, raw, &p); err != nil {
		return stftConfig{}, err
	}
	tc, err := p.TrainParams.resolve(STFTName, raw)
	if err != nil {
		return stftConfig{}, err
	}
	c := stftConfig{trainConfig: tc, p: p}
	if err := intIn(STFTName, "n_fft", p.NFFT, 16, 8192); err != nil {
		return c, err
	}
	if p.NFFT%8 != 0 {
		return c, paramErr(STFTName, "n_fft %d: want a multiple of 8 (the spectrogram keeps n_fft/2 bins, a multiple of 4 for the conv architecture)", p.NFFT)
	}
	if err := intIn(STFTName, "hop_length", p.HopLength, 1, p.NFFT); err != nil {
		return c, err
	}
	if err := intIn(STFTName, "frames", p.Frames, 4, 1024); err != nil {
		return c, err
	}
	if p.NMels != 0 {
		if err := intIn(STFTName, "n_mels", p.NMels, 4, min(512, p.NFFT/2+1)); err != nil {
			return c, paramErr(STFTName, "n_mels %d: want 0 (linear frequency) or 4..%d", p.NMels, min(512, p.NFFT/2+1))
		}
	}
	if p.Arch == "conv" && (p.Frames%4 != 0 || p.NMels%4 != 0) {
		return c, paramErr(STFTName, "frames %d, n_mels %d: the conv architecture needs both divisible by 4", p.Frames, p.NMels)
	}
	if err := floatIn(STFTName, "top_db", p.TopDB, 0, 200, true, false); err != nil {
		return c, err
	}
	if err := intIn(STFTName, "max_windows", p.MaxWindows, 1, 1024); err != nil {
		return c, err
	}
	if err := floatIn(STFTName, "max_seconds", p.MaxSeconds, 0, 3600, true, false); err != nil || math.IsInf(p.MaxSeconds, 0) {
		return c, paramErr(STFTName, "max_seconds %v: want (0, 3600]", p.MaxSeconds)
	}
	if err := intIn(STFTName, "max_files_per_class", p.MaxFilesPerClass, 1, maxPerClass); err != nil {
		return c, err
	}
	if p.Format != "png16" && p.Format != "npy" {
		return c, paramErr(STFTName, "format %q: want png16 (16-bit PNG, fixed dB range) or npy (float32 dB)", p.Format)
	}
	if err := intIn(STFTName, "iterations", p.Iterations, 1, 1000); err != nil {
		return c, err
	}
	st, err := spectro.NewSTFT(stftSettings(p.NFFT, p.HopLength))
	if err != nil {
		return c, paramErr(STFTName, "n_fft %d, hop_length %d: %v", p.NFFT, p.HopLength, err)
	}
	if p.Waveform && !st.NOLA() {
		return c, paramErr(STFTName, "hop_length %d with a %d-point Hann window cannot be inverted (NOLA fails): use hop_length <= n_fft/2 for waveform", p.HopLength, p.NFFT)
	}
	if p.Model != "" {
		for _, k := range stftModelKeys {
			if c.given[k] {
				return c, paramErr(STFTName, "%s cannot be set with model: the model fixes the spectrogram features", k)
			}
		}
	}
	return c, nil
}

// stftSettings is the analysis STFT: Hann window of n_fft, centred frames
// with zero padding (librosa.stft's defaults).
func stftSettings(nfft, hop int) spectro.Config {
	c := spectro.DefaultConfig(nfft)
	c.Hop = hop
	return c
}

func stftParamInfos() []generators.ParamInfo {
	d := DefaultSTFTParams()
	return append(trainParamInfos(),
		generators.ParamInfo{Name: "n_fft", Type: "integer", Default: d.NFFT, Description: "FFT length, a multiple of 8 in 16..8192; linear spectrograms keep bins 0..n_fft/2-1 (the Nyquist bin is dropped so the height is a multiple of 4)"},
		generators.ParamInfo{Name: "hop_length", Type: "integer", Default: d.HopLength, Description: "samples between frames, 1..n_fft (Hann window of n_fft, centred frames)"},
		generators.ParamInfo{Name: "frames", Type: "integer", Default: d.Frames, Description: "spectrogram width: each file is cut into windows of this many frames (the last padded with silence when the file is shorter)"},
		generators.ParamInfo{Name: "n_mels", Type: "integer", Default: 0, Description: "0: linear frequency; else the number of Slaney mel bands (height), divisible by 4 for conv"},
		generators.ParamInfo{Name: "top_db", Type: "number", Default: d.TopDB, Description: "dB range: each file's loudest bin is 0 dB, values are clipped at -top_db and mapped linearly to [-1, 1]"},
		generators.ParamInfo{Name: "max_windows", Type: "integer", Default: d.MaxWindows, Description: "training windows cut from one file at most (consecutive, from its start)"},
		generators.ParamInfo{Name: "max_seconds", Type: "number", Default: d.MaxSeconds, Description: "seconds of each file analysed at most"},
		generators.ParamInfo{Name: "max_files_per_class", Type: "integer", Default: d.MaxFilesPerClass, Description: "training files read per class at most (an evenly spaced subset in key order)"},
		generators.ParamInfo{Name: "format", Type: "string", Default: d.Format, Description: "png16: 16-bit gray PNG with the fixed range [-top_db, 0] dB, low frequencies at the bottom; npy: float32 dB array (bins, frames)"},
		generators.ParamInfo{Name: "waveform", Type: "boolean", Default: false, Description: "write a float32 WAV instead, reconstructed by fast Griffin-Lim (mel: NNLS mel inversion first), peak-normalised to 0.5"},
		generators.ParamInfo{Name: "iterations", Type: "integer", Default: d.Iterations, Description: "Griffin-Lim iterations for waveform, 1..1000"},
	)
}
