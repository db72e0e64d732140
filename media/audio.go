package media

import (
	"errors"
	"fmt"
	"io"
	"math"
)

func float32frombits(b uint32) float32 { return math.Float32frombits(b) }
func float64frombits(b uint64) float64 { return math.Float64frombits(b) }

// Audio is a decoded multi-channel signal.
type Audio struct {
	SampleRate int
	// Channels holds one slice per channel, all of the same length
	// (planar, [channel][frame]). PCM samples are scaled into [−1, 1).
	Channels [][]float64
	// Encoding and BitDepth record the source format (zero when the audio
	// was made in memory).
	Encoding Encoding
	BitDepth int
}

// Frames returns the number of sample frames (samples per channel).
func (a *Audio) Frames() int {
	if len(a.Channels) == 0 {
		return 0
	}
	return len(a.Channels[0])
}

// Mono returns the average of all channels, a new slice.
func (a *Audio) Mono() []float64 {
	out := make([]float64, a.Frames())
	if len(a.Channels) == 0 {
		return out
	}
	for _, ch := range a.Channels {
		for i, v := range ch {
			out[i] += v
		}
	}
	inv := 1 / float64(len(a.Channels))
	for i := range out {
		out[i] *= inv
	}
	return out
}

// readChunkFrames is how many frames ReadWAV decodes per read.
const readChunkFrames = 4096

// ReadWAV decodes a whole WAV stream (see [NewWAVReader] for what is
// accepted). Memory grows with the data actually present, never with the
// size the header declares, so a corrupt header cannot force a large
// allocation. A data chunk shorter than declared is an error wrapping
// [ErrTruncated].
func ReadWAV(r io.Reader) (*Audio, error) {
	wr, err := NewWAVReader(r)
	if err != nil {
		return nil, err
	}
	info := wr.Info()
	a := &Audio{SampleRate: info.SampleRate, Channels: make([][]float64, info.Channels), Encoding: info.Encoding, BitDepth: info.BitDepth}
	buf := make([]float64, readChunkFrames*info.Channels)
	for {
		n, err := wr.ReadFrames(buf)
		for f := 0; f < n; f++ {
			for c := range a.Channels {
				a.Channels[c] = append(a.Channels[c], buf[f*info.Channels+c])
			}
		}
		if errors.Is(err, io.EOF) {
			return a, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// WAVFormat selects how [WriteWAV] encodes samples.
type WAVFormat struct {
	Encoding Encoding // EncodingPCM or EncodingFloat
	BitDepth int      // 8, 16, 24, 32 for PCM; 32, 64 for float
	// Extensible forces a WAVE_FORMAT_EXTENSIBLE header. It is used anyway
	// for more than 2 channels or PCM deeper than 16 bits, as Microsoft's
	// WAVEFORMATEXTENSIBLE documentation asks.
	Extensible bool
}

// WriteWAV encodes a as a RIFF/WAVE stream. PCM samples are quantised as
// round(x·2^(bits−1)) clipped to the integer range (8-bit stored unsigned
// with offset 128), the exact inverse of ReadWAV's scaling, so PCM data
// read by ReadWAV is written back bit for bit. Non-finite samples are an
// error for PCM. Float data is written as is, with a fact chunk.
func WriteWAV(w io.Writer, a *Audio, f WAVFormat) error {
	if a == nil || len(a.Channels) == 0 {
		return fmt.Errorf("audio has no channels: %w", ErrInvalidInput)
	}
	nch, frames := len(a.Channels), a.Frames()
	for c, ch := range a.Channels {
		if len(ch) != frames {
			return fmt.Errorf("channel %d has %d frames, channel 0 has %d: %w", c, len(ch), frames, ErrInvalidInput)
		}
	}
	if nch > MaxWAVChannels {
		return fmt.Errorf("%d channels: want 1..%d: %w", nch, MaxWAVChannels, ErrInvalidInput)
	}
	if a.SampleRate < 1 || a.SampleRate > math.MaxUint32 {
		return fmt.Errorf("sample rate %d: want 1..%d: %w", a.SampleRate, uint32(math.MaxUint32), ErrInvalidInput)
	}
	switch {
	case f.Encoding == EncodingPCM && (f.BitDepth == 8 || f.BitDepth == 16 || f.BitDepth == 24 || f.BitDepth == 32):
	case f.Encoding == EncodingFloat && (f.BitDepth == 32 || f.BitDepth == 64):
	default:
		return fmt.Errorf("wav format %v/%d bits: want pcm 8, 16, 24, 32 or float 32, 64: %w", f.Encoding, f.BitDepth, ErrInvalidInput)
	}
	bps := f.BitDepth / 8
	blockAlign := nch * bps
	dataSize := int64(frames) * int64(blockAlign)
	ext := f.Extensible || nch > 2 || (f.Encoding == EncodingPCM && f.BitDepth > 16)
	fmtSize := 16
	switch {
	case ext:
		fmtSize = 40
	case f.Encoding == EncodingFloat:
		fmtSize = 18
	}
	factSize := 0
	if f.Encoding == EncodingFloat {
		factSize = 12
	}
	riffSize := 4 + (8 + int64(fmtSize)) + int64(factSize) + 8 + dataSize + dataSize%2
	if riffSize > math.MaxUint32-1 {
		return fmt.Errorf("%d bytes of audio data do not fit a RIFF file (4 GiB): %w", dataSize, ErrInvalidInput)
	}

	hdr := make([]byte, 0, 12+8+fmtSize+factSize+8)
	hdr = append(hdr, "RIFF"...)
	hdr = le32(hdr, uint32(riffSize))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = le32(hdr, uint32(fmtSize))
	tag := uint16(f.Encoding)
	if ext {
		tag = formatExtensible
	}
	hdr = le16(hdr, tag)
	hdr = le16(hdr, uint16(nch))
	hdr = le32(hdr, uint32(a.SampleRate))
	hdr = le32(hdr, uint32(a.SampleRate*blockAlign))
	hdr = le16(hdr, uint16(blockAlign))
	hdr = le16(hdr, uint16(f.BitDepth))
	switch {
	case ext:
		hdr = le16(hdr, 22)
		hdr = le16(hdr, uint16(f.BitDepth))
		hdr = le32(hdr, 0) // channel mask: no speaker positions assigned
		hdr = le16(hdr, uint16(f.Encoding))
		hdr = append(hdr, ksdataformatTail...)
	case fmtSize == 18:
		hdr = le16(hdr, 0)
	}
	if factSize > 0 {
		hdr = append(hdr, "fact"...)
		hdr = le32(hdr, 4)
		hdr = le32(hdr, uint32(frames))
	}
	hdr = append(hdr, "data"...)
	hdr = le32(hdr, uint32(dataSize))
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("write wav header: %w", err)
	}

	const chunk = 4096
	buf := make([]byte, 0, chunk*blockAlign)
	for f0 := 0; f0 < frames; f0 += chunk {
		buf = buf[:0]
		for fr := f0; fr < min(f0+chunk, frames); fr++ {
			for c := range a.Channels {
				var err error
				if buf, err = appendSample(buf, a.Channels[c][fr], f); err != nil {
					return fmt.Errorf("channel %d frame %d: %w", c, fr, err)
				}
			}
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("write wav data: %w", err)
		}
	}
	if dataSize%2 == 1 {
		if _, err := w.Write([]byte{0}); err != nil {
			return fmt.Errorf("write wav pad byte: %w", err)
		}
	}
	return nil
}

func appendSample(buf []byte, x float64, f WAVFormat) ([]byte, error) {
	if f.Encoding == EncodingFloat {
		if f.BitDepth == 32 {
			return le32(buf, math.Float32bits(float32(x))), nil
		}
		return le64(buf, math.Float64bits(x)), nil
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return buf, fmt.Errorf("sample %v: PCM needs finite values: %w", x, ErrInvalidInput)
	}
	full := math.Ldexp(1, f.BitDepth-1)
	v := math.Max(-full, math.Min(full-1, math.Round(x*full)))
	switch f.BitDepth {
	case 8:
		return append(buf, byte(int(v)+128)), nil
	case 16:
		return le16(buf, uint16(int16(v))), nil
	case 24:
		u := uint32(int32(v))
		return append(buf, byte(u), byte(u>>8), byte(u>>16)), nil
	}
	return le32(buf, uint32(int32(v))), nil
}

func le16(b []byte, v uint16) []byte { return append(b, byte(v), byte(v>>8)) }
func le32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}
func le64(b []byte, v uint64) []byte { return le32(le32(b, uint32(v)), uint32(v>>32)) }
