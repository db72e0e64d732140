package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Encoding is a WAV sample encoding (the format tag, or the sub-format of a
// WAVE_FORMAT_EXTENSIBLE file).
type Encoding uint16

const (
	// EncodingPCM is integer PCM: unsigned 8-bit, signed 16, 24, 32-bit.
	EncodingPCM Encoding = 1
	// EncodingFloat is IEEE float, 32 or 64-bit.
	EncodingFloat Encoding = 3
)

// String names the encoding.
func (e Encoding) String() string {
	switch e {
	case EncodingPCM:
		return "pcm"
	case EncodingFloat:
		return "float"
	}
	return fmt.Sprintf("Encoding(%#x)", uint16(e))
}

const (
	formatExtensible = 0xFFFE
	// MaxWAVChannels bounds the channel count a WAV header may declare.
	MaxWAVChannels = 1024
	// maxFmtChunk bounds the fmt chunk (16, 18 or 40 bytes in practice).
	maxFmtChunk = 1 << 10
	// unknownSize is the data size streaming writers leave in the header.
	unknownSize = 0xFFFFFFFF
)

// ksdataformatTail is the common tail of the KSDATAFORMAT_SUBTYPE_* GUIDs;
// the first two bytes of a sub-format GUID hold the format code.
var ksdataformatTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// WAVInfo describes a WAV stream as its header declares it.
type WAVInfo struct {
	SampleRate int
	Channels   int
	// BitDepth is the container size of one sample in bits: 8, 16, 24, 32
	// (PCM) or 32, 64 (float).
	BitDepth int
	// ValidBits is the number of significant bits (WAVE_FORMAT_EXTENSIBLE's
	// wValidBitsPerSample), BitDepth otherwise.
	ValidBits   int
	Encoding    Encoding
	Extensible  bool
	ChannelMask uint32
	// Frames is the number of sample frames the data chunk declares, or −1
	// when the header leaves the size open (0xFFFFFFFF, streamed files).
	Frames int64
}

// Duration returns Frames/SampleRate, or 0 when Frames is unknown.
func (i WAVInfo) Duration() time.Duration {
	if i.Frames < 0 || i.SampleRate <= 0 {
		return 0
	}
	return time.Duration(float64(i.Frames) / float64(i.SampleRate) * float64(time.Second))
}

func (i WAVInfo) blockAlign() int { return i.Channels * i.BitDepth / 8 }

// WAVReader decodes a WAV stream incrementally. It reads the header when
// created and then the data chunk on demand, so long recordings can be
// processed in blocks. It is not safe for concurrent use.
type WAVReader struct {
	r         io.Reader
	info      WAVInfo
	remaining int64 // bytes left in the data chunk; −1: until EOF
	buf       []byte
	dec       func([]byte) float64
}

// NewWAVReader reads the RIFF/WAVE header of r up to the start of the data
// chunk, skipping other chunks (LIST, fact, …) without buffering them. It
// fails with [ErrMalformed] for a broken header, [ErrUnsupported] for
// encodings other than PCM 8/16/24/32 and float 32/64 (A-law, µ-law,
// ADPCM, RF64, big-endian RIFX), and [ErrTruncated] when the stream ends
// inside the header.
func NewWAVReader(r io.Reader) (*WAVReader, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, wavReadErr("RIFF header", err)
	}
	switch string(hdr[:4]) {
	case "RIFF":
	case "RF64", "RIFX":
		return nil, fmt.Errorf("wav container %q: want RIFF (little-endian, < 4 GiB): %w", hdr[:4], ErrUnsupported)
	default:
		return nil, fmt.Errorf("wav magic %q: want \"RIFF\": %w", hdr[:4], ErrMalformed)
	}
	if string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("riff form type %q: want \"WAVE\": %w", hdr[8:12], ErrMalformed)
	}
	w := &WAVReader{r: r}
	haveFmt := false
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			if !haveFmt {
				return nil, wavReadErr("chunk header (no fmt chunk yet)", err)
			}
			return nil, wavReadErr("chunk header (no data chunk yet)", err)
		}
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if haveFmt {
				return nil, fmt.Errorf("second fmt chunk: %w", ErrMalformed)
			}
			if size < 16 || size > maxFmtChunk {
				return nil, fmt.Errorf("fmt chunk of %d bytes: want 16..%d: %w", size, maxFmtChunk, ErrMalformed)
			}
			b := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, wavReadErr("fmt chunk", err)
			}
			info, err := parseFmt(b[:size])
			if err != nil {
				return nil, err
			}
			w.info, haveFmt = info, true
		case "data":
			if !haveFmt {
				return nil, fmt.Errorf("data chunk before fmt chunk: %w", ErrMalformed)
			}
			ba := int64(w.info.blockAlign())
			if size == unknownSize {
				w.remaining, w.info.Frames = -1, -1
			} else {
				// A trailing partial frame is ignored.
				w.remaining, w.info.Frames = size/ba*ba, size/ba
			}
			w.dec = decoder(w.info)
			return w, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return nil, wavReadErr(fmt.Sprintf("%q chunk of %d bytes", id, size), err)
			}
		}
	}
}

func wavReadErr(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("wav ends inside the %s: %w", what, ErrTruncated)
	}
	return fmt.Errorf("read wav %s: %w", what, err)
}

func parseFmt(b []byte) (WAVInfo, error) {
	le := binary.LittleEndian
	tag := le.Uint16(b[0:])
	info := WAVInfo{
		Channels:   int(le.Uint16(b[2:])),
		SampleRate: int(le.Uint32(b[4:])),
		BitDepth:   int(le.Uint16(b[14:])),
	}
	blockAlign := int(le.Uint16(b[12:]))
	info.ValidBits = info.BitDepth
	if tag == formatExtensible {
		if len(b) < 40 || le.Uint16(b[16:]) < 22 {
			return WAVInfo{}, fmt.Errorf("WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes: want >= 40 with cbSize >= 22: %w", len(b), ErrMalformed)
		}
		info.Extensible = true
		info.ValidBits = int(le.Uint16(b[18:]))
		info.ChannelMask = le.Uint32(b[20:])
		if !bytes.Equal(b[26:40], ksdataformatTail) {
			return WAVInfo{}, fmt.Errorf("WAVE_FORMAT_EXTENSIBLE sub-format GUID % x is not a KSDATAFORMAT_SUBTYPE: %w", b[24:40], ErrUnsupported)
		}
		tag = le.Uint16(b[24:])
		if info.ValidBits == 0 {
			info.ValidBits = info.BitDepth
		}
	}
	info.Encoding = Encoding(tag)
	switch info.Encoding {
	case EncodingPCM:
		if info.BitDepth != 8 && info.BitDepth != 16 && info.BitDepth != 24 && info.BitDepth != 32 {
			return WAVInfo{}, fmt.Errorf("PCM with %d bits per sample: want 8, 16, 24 or 32: %w", info.BitDepth, ErrUnsupported)
		}
	case EncodingFloat:
		if info.BitDepth != 32 && info.BitDepth != 64 {
			return WAVInfo{}, fmt.Errorf("IEEE float with %d bits per sample: want 32 or 64: %w", info.BitDepth, ErrUnsupported)
		}
	default:
		name := map[uint16]string{2: "MS ADPCM", 6: "A-law", 7: "µ-law", 0x11: "IMA ADPCM", 0x55: "MPEG layer 3"}[tag]
		return WAVInfo{}, fmt.Errorf("wav format tag %#04x %s: want PCM (1) or IEEE float (3): %w", tag, name, ErrUnsupported)
	}
	if info.Channels < 1 || info.Channels > MaxWAVChannels {
		return WAVInfo{}, fmt.Errorf("wav with %d channels: want 1..%d: %w", info.Channels, MaxWAVChannels, ErrMalformed)
	}
	if info.SampleRate < 1 {
		return WAVInfo{}, fmt.Errorf("wav sample rate %d: want > 0: %w", info.SampleRate, ErrMalformed)
	}
	if info.ValidBits > info.BitDepth {
		return WAVInfo{}, fmt.Errorf("wav valid bits %d exceed the %d-bit container: %w", info.ValidBits, info.BitDepth, ErrMalformed)
	}
	if blockAlign != info.blockAlign() {
		return WAVInfo{}, fmt.Errorf("wav block align %d: want channels·bits/8 = %d: %w", blockAlign, info.blockAlign(), ErrMalformed)
	}
	return info, nil
}

// decoder returns the function that maps one little-endian sample to a
// float64: PCM is scaled by 1/2^(bits−1) into [−1, 1) (8-bit PCM is
// unsigned with offset 128), float is passed through.
func decoder(info WAVInfo) func([]byte) float64 {
	le := binary.LittleEndian
	switch {
	case info.Encoding == EncodingFloat && info.BitDepth == 32:
		return func(b []byte) float64 { return float64(float32frombits(le.Uint32(b))) }
	case info.Encoding == EncodingFloat:
		return func(b []byte) float64 { return float64frombits(le.Uint64(b)) }
	case info.BitDepth == 8:
		return func(b []byte) float64 { return (float64(b[0]) - 128) / 128 }
	case info.BitDepth == 16:
		return func(b []byte) float64 { return float64(int16(le.Uint16(b))) / (1 << 15) }
	case info.BitDepth == 24:
		return func(b []byte) float64 {
			v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
			return float64(v) / (1 << 23)
		}
	default:
		return func(b []byte) float64 { return float64(int32(le.Uint32(b))) / (1 << 31) }
	}
}

// Info returns the header's description of the stream.
func (w *WAVReader) Info() WAVInfo { return w.info }

// ReadFrames decodes up to len(dst)/Channels frames into dst, interleaved
// (frame-major: dst[f·Channels+c]), and returns the number of frames. It
// returns 0, io.EOF at the end of the data, and an error wrapping
// [ErrTruncated] when the stream ends before the data chunk's declared size
// (or, for an open-ended chunk, inside a frame). len(dst) must be a
// multiple of Channels and at least Channels.
func (w *WAVReader) ReadFrames(dst []float64) (int, error) {
	ch := w.info.Channels
	if len(dst) < ch || len(dst)%ch != 0 {
		return 0, fmt.Errorf("ReadFrames buffer of %d values: want a positive multiple of %d channels: %w", len(dst), ch, ErrInvalidInput)
	}
	ba := w.info.blockAlign()
	frames := len(dst) / ch
	if w.remaining >= 0 {
		if w.remaining == 0 {
			return 0, io.EOF
		}
		frames = int(min(int64(frames), w.remaining/int64(ba)))
	}
	need := frames * ba
	if cap(w.buf) < need {
		w.buf = make([]byte, need)
	}
	buf := w.buf[:need]
	n, err := io.ReadFull(w.r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read wav data: %w", err)
	}
	got := n / ba
	bps := w.info.BitDepth / 8
	for i := 0; i < got*ch; i++ {
		dst[i] = w.dec(buf[i*bps:])
	}
	if w.remaining >= 0 {
		w.remaining -= int64(got * ba)
		if n < need {
			return got, fmt.Errorf("wav data ends %d bytes before the %d frames its header declares: %w", w.remaining-int64(n%ba), w.info.Frames, ErrTruncated)
		}
		return got, nil
	}
	if n < need {
		if n%ba != 0 {
			return got, fmt.Errorf("wav data ends inside a frame (%d of %d bytes): %w", n%ba, ba, ErrTruncated)
		}
		if got == 0 {
			return 0, io.EOF
		}
	}
	return got, nil
}

// ProbeWAV reads only the header of a WAV stream (up to the start of the
// data chunk) and returns its description, for inspecting datasets without
// decoding them.
func ProbeWAV(r io.Reader) (WAVInfo, error) {
	w, err := NewWAVReader(r)
	if err != nil {
		return WAVInfo{}, err
	}
	return w.info, nil
}
