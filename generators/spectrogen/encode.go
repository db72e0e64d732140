package spectrogen

import (
	"bytes"
	"fmt"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

// encodeSpectrogram writes s in the configured format and adds to prov
// what a reader needs to interpret it: "scale" ({min, max, kind} for PNG:
// v = min + q/65535·(max − min); {kind, dtype} for npy), "shape"
// [bins, frames] and, for dB scales, "db_ref".
func encodeSpectrogram(p *FeatureParams, s scaled, prov map[string]any) (*generators.Sample, error) {
	var buf bytes.Buffer
	prov["shape"] = []int{s.S.Bins, s.S.Frames}
	if s.Ref > 0 {
		prov["db_ref"] = s.Ref
	}
	switch p.Format {
	case FormatNPY:
		f := spectro.NewSpectrogram[float32](s.S.Bins, s.S.Frames)
		for i, v := range s.S.Data {
			f.Data[i] = float32(v)
		}
		if err := spectro.WriteNPY(&buf, f); err != nil {
			return nil, fmt.Errorf("write npy: %w", err)
		}
		prov["scale"] = map[string]any{"kind": p.Scale, "dtype": "float32"}
		return &generators.Sample{Data: buf.Bytes(), Ext: ".npy", ContentType: "application/x-npy", Provenance: prov}, nil
	default:
		o := spectro.PNGOptions{Kind: p.Scale}
		if len(p.PNGRange) == 2 {
			o.FixedRange, o.Min, o.Max = true, p.PNGRange[0], p.PNGRange[1]
		}
		sc, err := spectro.WritePNG16(&buf, s.S, o)
		if err != nil {
			return nil, fmt.Errorf("write png: %w", err)
		}
		prov["scale"] = sc
		return &generators.Sample{Data: buf.Bytes(), Ext: ".png", ContentType: "image/png", Provenance: prov}, nil
	}
}

// encodeWAV writes a mono float32 WAV.
func encodeWAV(x []float64, rate int) ([]byte, error) {
	var buf bytes.Buffer
	a := &media.Audio{SampleRate: rate, Channels: [][]float64{x}}
	if err := media.WriteWAV(&buf, a, media.WAVFormat{Encoding: media.EncodingFloat, BitDepth: 32}); err != nil {
		return nil, fmt.Errorf("write wav: %w", err)
	}
	return buf.Bytes(), nil
}
