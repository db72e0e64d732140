package spectrogen_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
)

func TestValidate(t *testing.T) {
	gens := map[string]generators.Generator{"spectrogram": spectrogen.Spectrogram{}, "specaugment": spectrogen.SpecAugment{}}
	for _, tc := range []struct {
		gen, params string
		want        string // substring of the ParamError; "" means valid
	}{
		{"spectrogram", ``, ""},
		{"spectrogram", `{}`, ""},
		{"spectrogram", `{"n_fft": 512, "hop_length": 128, "win_length": 400, "window": "hamming", "scale": "mel_db", "n_mels": 64, "fmin": 20, "fmax": 7600, "mel_scale": "htk", "ref": 1.5, "png_range": [-80, 0]}`, ""},
		{"specaugment", `{"waveform": true, "scale": "mel_power", "mix_prob": 1, "momentum": 0}`, ""},
		{"spectrogram", `{"n_fft": 4}`, "n_fft 4: want 8..65536"},
		{"spectrogram", `{"n_fft": 256, "hop_length": 300}`, "hop_length 300: want 1..n_fft (256)"},
		{"spectrogram", `{"n_fft": 256, "win_length": 257}`, "win_length 257: want 1..n_fft (256)"},
		{"spectrogram", `{"window": "kaiser"}`, `window "kaiser": want one of hann, hamming, blackman, rectangular`},
		{"spectrogram", `{"pad_mode": "wrap"}`, `pad_mode "wrap": want one of constant, reflect, edge`},
		{"spectrogram", `{"scale": "log"}`, `scale "log": want one of db, magnitude, power, mel_db, mel_power`},
		{"spectrogram", `{"n_fft": 256, "n_mels": 200}`, "n_mels 200: want 1..129"},
		{"spectrogram", `{"fmin": -1}`, "fmin -1: want >= 0 Hz"},
		{"spectrogram", `{"fmin": 500, "fmax": 400}`, "fmax 400: want > fmin (500) Hz"},
		{"spectrogram", `{"mel_scale": "bark"}`, `mel_scale "bark": want one of slaney, htk`},
		{"spectrogram", `{"top_db": -3}`, "top_db -3: want >= 0"},
		{"spectrogram", `{"ref": "min"}`, `ref "min": want "max" or a positive number`},
		{"spectrogram", `{"ref": 0}`, `ref 0: want "max" or a positive number`},
		{"spectrogram", `{"format": "both"}`, `format "both": want one of png16, npy`},
		{"spectrogram", `{"png_range": [0, -80]}`, "png_range [0 -80]: want [min, max] with finite min < max"},
		{"spectrogram", `{"png_range": [1]}`, "png_range [1]: want [min, max]"},
		{"spectrogram", `{"channels": "left"}`, `channels "left": want one of mean, first`},
		{"spectrogram", `{"max_seconds": 0}`, "max_seconds 0: want (0, 3600]"},
		{"spectrogram", `{"cache_mib": -1}`, "cache_mib -1: want 0..65536"},
		{"spectrogram", `{"n_fft": "big"}`, `parameter "n_fft": got a JSON string, want int`},
		{"specaugment", `{"n_fft": "big"}`, `specaugment params: parameter "n_fft": got a JSON string`},
		{"spectrogram", `{"ref": null}`, `ref null: want "max" or a positive number`},
		{"spectrogram", `{"time_masks": 2}`, `unknown parameter "time_masks"`},
		{"specaugment", `{"time_masks": -1}`, "time_masks -1: want 0..64"},
		{"specaugment", `{"freq_mask_max": -2}`, "freq_mask_max -2: want 0..65536"},
		{"specaugment", `{"time_mask_fraction": 1.5}`, "time_mask_fraction 1.5: want 0..1"},
		{"specaugment", `{"mask_fill": "zero"}`, `mask_fill "zero": want one of min, mean`},
		{"specaugment", `{"mix_prob": 2}`, "mix_prob 2: want 0..1"},
		{"specaugment", `{"iterations": 0}`, "iterations 0: want 1..1000"},
		{"specaugment", `{"momentum": 1}`, "momentum 1: want 0 <= momentum < 1"},
		{"specaugment", `{"waveform": true, "window": "rectangular", "n_fft": 256, "hop_length": 256, "win_length": 128}`, "violates the NOLA condition"},
	} {
		t.Run(tc.gen+tc.params, func(t *testing.T) {
			err := gens[tc.gen].Validate(json.RawMessage(tc.params))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate(%s) = %v, want nil", tc.params, err)
				}
				return
			}
			var pe *generators.ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate(%s) = %v (%T), want a *generators.ParamError", tc.params, err, err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), tc.gen+" params: ") {
				t.Errorf("Validate(%s) = %q, want %q in it, prefixed by the generator", tc.params, err, tc.want)
			}
		})
	}
}

func TestRegister(t *testing.T) {
	r := generators.NewRegistry()
	if err := spectrogen.Register(r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), ","); got != "specaugment,spectrogram" {
		t.Errorf("registered %s, want specaugment,spectrogram", got)
	}
	for _, info := range r.Infos() {
		if len(info.Params) == 0 || info.Kinds[0] != "audio" {
			t.Errorf("%s: info %+v, want params and kind audio", info.Name, info)
		}
	}
	if err := spectrogen.Register(r); err == nil {
		t.Error("registering twice: want an error")
	}
}
