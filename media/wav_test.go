package media_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/media"
)

// wavFixtures holds the WAV files of other writers, with the values NumPy
// computed for them; they share spectro's fixture script and cases.json.
const wavFixtures = "../spectro/testdata"

func loadNPY[T media.NPYElem](t *testing.T, name string) *media.NPYArray[T] {
	t.Helper()
	f, err := os.Open(filepath.Join(wavFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := media.ReadNPY[T](f)
	if err != nil {
		t.Fatalf("ReadNPY(%s): %v", name, err)
	}
	return a
}

func randSignal(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// TestReadWAVOtherWriters decodes WAV files written by scipy.io.wavfile and
// Python's wave module (testdata, see make_fixtures.py) and compares with
// the values NumPy computed from the integers it wrote.
func TestReadWAVOtherWriters(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(wavFixtures, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Wavs []struct {
			File, Encoding, Writer string
			Rate, Channels, Bits   int
		} `json:"wavs"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Wavs) == 0 {
		t.Fatal("no wav fixtures listed")
	}
	for _, w := range meta.Wavs {
		t.Run(w.File, func(t *testing.T) {
			f, err := os.Open(filepath.Join(wavFixtures, w.File))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			a, err := media.ReadWAV(f)
			if err != nil {
				t.Fatalf("ReadWAV (%s): %v", w.Writer, err)
			}
			want := loadNPY[float64](t, strings.TrimSuffix(w.File, ".wav")+".npy") // (frames, channels)
			if a.SampleRate != w.Rate || len(a.Channels) != w.Channels || a.BitDepth != w.Bits || a.Encoding.String() != w.Encoding {
				t.Fatalf("got rate %d, %d channels, %d bits %v; want %d, %d, %d %s", a.SampleRate, len(a.Channels), a.BitDepth, a.Encoding, w.Rate, w.Channels, w.Bits, w.Encoding)
			}
			if a.Frames() != want.Rows {
				t.Fatalf("got %d frames, want %d", a.Frames(), want.Rows)
			}
			for fr := 0; fr < want.Rows; fr++ {
				for c := 0; c < want.Cols; c++ {
					if got, want := a.Channels[c][fr], want.Data[fr*want.Cols+c]; got != want {
						t.Fatalf("channel %d frame %d: got %v, want %v", c, fr, got, want)
					}
				}
			}
			// Writing back in the same format reproduces the samples exactly.
			var buf bytes.Buffer
			if err := media.WriteWAV(&buf, a, media.WAVFormat{Encoding: a.Encoding, BitDepth: a.BitDepth}); err != nil {
				t.Fatal(err)
			}
			back, err := media.ReadWAV(&buf)
			if err != nil {
				t.Fatal(err)
			}
			for c := range a.Channels {
				for fr, v := range a.Channels[c] {
					if back.Channels[c][fr] != v {
						t.Fatalf("rewrite channel %d frame %d: got %v, want %v", c, fr, back.Channels[c][fr], v)
					}
				}
			}
		})
	}
}

func TestWAVRoundTripFormats(t *testing.T) {
	formats := []media.WAVFormat{
		{Encoding: media.EncodingPCM, BitDepth: 8},
		{Encoding: media.EncodingPCM, BitDepth: 16},
		{Encoding: media.EncodingPCM, BitDepth: 16, Extensible: true},
		{Encoding: media.EncodingPCM, BitDepth: 24},
		{Encoding: media.EncodingPCM, BitDepth: 32},
		{Encoding: media.EncodingFloat, BitDepth: 32},
		{Encoding: media.EncodingFloat, BitDepth: 64},
		{Encoding: media.EncodingFloat, BitDepth: 64, Extensible: true},
	}
	for _, f := range formats {
		for _, nch := range []int{1, 2, 5} {
			t.Run(fmt.Sprintf("%v%d_ext%v_%dch", f.Encoding, f.BitDepth, f.Extensible, nch), func(t *testing.T) {
				a := &media.Audio{SampleRate: 22050}
				for c := range nch {
					x := randSignal(uint64(c), 101) // odd byte count for 8-bit mono: pad byte
					for i := range x {
						x[i] = math.Max(-1.2, math.Min(1.2, x[i]/3))
					}
					a.Channels = append(a.Channels, x)
				}
				var buf bytes.Buffer
				if err := media.WriteWAV(&buf, a, f); err != nil {
					t.Fatal(err)
				}
				info, err := media.ProbeWAV(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				wantExt := f.Extensible || nch > 2 || (f.Encoding == media.EncodingPCM && f.BitDepth > 16)
				if info.Channels != nch || info.SampleRate != 22050 || info.BitDepth != f.BitDepth || info.Encoding != f.Encoding || info.Frames != 101 || info.Extensible != wantExt {
					t.Fatalf("ProbeWAV: got %+v", info)
				}
				back, err := media.ReadWAV(&buf)
				if err != nil {
					t.Fatal(err)
				}
				// Tolerance: half a quantisation step for PCM (values past
				// full scale clip), float32 rounding, exact for float64.
				step := math.Ldexp(1, -(f.BitDepth - 1))
				for c := range a.Channels {
					for i, x := range a.Channels[c] {
						got := back.Channels[c][i]
						var want, tol float64
						switch {
						case f.Encoding == media.EncodingFloat && f.BitDepth == 64:
							want, tol = x, 0
						case f.Encoding == media.EncodingFloat:
							want, tol = float64(float32(x)), 0
						default:
							want, tol = math.Max(-1, math.Min(1-step, x)), step/2
						}
						if math.Abs(got-want) > tol {
							t.Fatalf("channel %d sample %d: got %v, want %v ± %g", c, i, got, want, tol)
						}
					}
				}
			})
		}
	}
}

// wavBytes builds a WAV stream from a fmt chunk body and raw data, with
// an optional chunk before fmt and an explicit data size.
func wavBytes(fmtBody []byte, extra string, data []byte, dataSize uint32) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(0)) // RIFF size is not trusted
	b.WriteString("WAVE")
	b.WriteString(extra)
	b.WriteString("fmt ")
	binary.Write(&b, binary.LittleEndian, uint32(len(fmtBody)))
	b.Write(fmtBody)
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, dataSize)
	b.Write(data)
	return b.Bytes()
}

func fmtBody(tag, ch uint16, rate uint32, align, bits uint16) []byte {
	var b bytes.Buffer
	for _, v := range []any{tag, ch, rate, rate * uint32(align), align, bits} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	return b.Bytes()
}

func TestReadWAVErrors(t *testing.T) {
	pcm16 := fmtBody(1, 1, 8000, 2, 16)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, media.ErrTruncated},
		{"not_riff", []byte("OggS0000WAVEfmt "), media.ErrMalformed},
		{"rf64", []byte("RF64\xff\xff\xff\xffWAVE"), media.ErrUnsupported},
		{"not_wave", []byte("RIFF\x00\x00\x00\x00AVI "), media.ErrMalformed},
		{"no_fmt", []byte("RIFF\x00\x00\x00\x00WAVE"), media.ErrTruncated},
		{"data_before_fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x00\x00\x00\x00"), media.ErrMalformed},
		{"fmt_too_short", wavBytes(pcm16[:14], "", nil, 0), media.ErrMalformed},
		{"fmt_absurd", []byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\x7f"), media.ErrMalformed},
		{"alaw", wavBytes(fmtBody(6, 1, 8000, 1, 8), "", []byte{1, 2}, 2), media.ErrUnsupported},
		{"pcm12", wavBytes(fmtBody(1, 1, 8000, 2, 12), "", nil, 0), media.ErrUnsupported},
		{"float16", wavBytes(fmtBody(3, 1, 8000, 2, 16), "", nil, 0), media.ErrUnsupported},
		{"zero_channels", wavBytes(fmtBody(1, 0, 8000, 0, 16), "", nil, 0), media.ErrMalformed},
		{"too_many_channels", wavBytes(fmtBody(1, 4000, 8000, 8000, 16), "", nil, 0), media.ErrMalformed},
		{"zero_rate", wavBytes(fmtBody(1, 1, 0, 2, 16), "", nil, 0), media.ErrMalformed},
		{"bad_block_align", wavBytes(fmtBody(1, 2, 8000, 2, 16), "", nil, 0), media.ErrMalformed},
		{"truncated_data", wavBytes(pcm16, "", make([]byte, 10), 1000), media.ErrTruncated},
		{"huge_declared_data", wavBytes(pcm16, "", make([]byte, 4), 0xFFFFFFF0), media.ErrTruncated},
		{"truncated_skip_chunk", []byte("RIFF\x00\x00\x00\x00WAVELIST\x00\x00\x00\x10abc"), media.ErrTruncated},
		{"open_ended_partial_frame", wavBytes(pcm16, "", []byte{1, 2, 3}, 0xFFFFFFFF), media.ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := media.ReadWAV(bytes.NewReader(tc.in))
			if !errors.Is(err, tc.want) {
				t.Errorf("got error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadWAVChunksAndStreaming(t *testing.T) {
	data := []byte{0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x09} // 4 frames + 1 stray byte
	list := "LIST\x03\x00\x00\x00abc\x00"                                // odd size with pad byte
	in := wavBytes(fmtBody(1, 1, 16000, 2, 16), list, data, uint32(len(data)))
	a, err := media.ReadWAV(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{-1, 32767.0 / 32768, 1.0 / 32768, 0}
	if len(a.Channels[0]) != len(want) {
		t.Fatalf("got %d frames, want %d (trailing partial frame ignored)", len(a.Channels[0]), len(want))
	}
	for i, w := range want {
		if a.Channels[0][i] != w {
			t.Errorf("sample %d: got %v, want %v", i, a.Channels[0][i], w)
		}
	}

	// Open-ended data chunk (streaming writers): read to EOF in small blocks.
	stream := wavBytes(fmtBody(1, 2, 16000, 4, 16), "", make([]byte, 4*10), 0xFFFFFFFF)
	r, err := media.NewWAVReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Info().Frames; got != -1 {
		t.Errorf("open-ended Frames: got %d, want -1", got)
	}
	buf := make([]float64, 2*3)
	total := 0
	for {
		n, err := r.ReadFrames(buf)
		total += n
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != 10 {
		t.Errorf("streamed %d frames, want 10", total)
	}
	if _, err := r.ReadFrames(make([]float64, 3)); !errors.Is(err, media.ErrInvalidInput) {
		t.Errorf("buffer not a multiple of channels: got %v, want ErrShape", err)
	}
}

func TestWriteWAVRejects(t *testing.T) {
	ok := &media.Audio{SampleRate: 8000, Channels: [][]float64{{0, 0.5}}}
	tests := []struct {
		name string
		a    *media.Audio
		f    media.WAVFormat
		want error
	}{
		{"no_channels", &media.Audio{SampleRate: 8000}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}, media.ErrInvalidInput},
		{"ragged", &media.Audio{SampleRate: 8000, Channels: [][]float64{{0}, {0, 1}}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}, media.ErrInvalidInput},
		{"pcm12", ok, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 12}, media.ErrInvalidInput},
		{"float16", ok, media.WAVFormat{Encoding: media.EncodingFloat, BitDepth: 16}, media.ErrInvalidInput},
		{"zero_rate", &media.Audio{Channels: [][]float64{{0}}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}, media.ErrInvalidInput},
		{"nan_pcm", &media.Audio{SampleRate: 8000, Channels: [][]float64{{math.NaN()}}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}, media.ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := media.WriteWAV(io.Discard, tc.a, tc.f); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAudioMonoDuration(t *testing.T) {
	a := &media.Audio{SampleRate: 4, Channels: [][]float64{{1, 2}, {3, 4}}}
	if got := a.Mono(); got[0] != 2 || got[1] != 3 {
		t.Errorf("Mono: got %v, want [2 3]", got)
	}
	info := media.WAVInfo{SampleRate: 4, Frames: 10}
	if got := info.Duration().Seconds(); got != 2.5 {
		t.Errorf("Duration: got %vs, want 2.5s", got)
	}
}

// FuzzReadWAV checks that no input makes the WAV reader panic, and that
// whatever it accepts has consistent channels.
func FuzzReadWAV(f *testing.F) {
	for _, name := range []string{"wav_pcm16_stereo.wav", "wav_pcm24_stereo.wav", "wav_float32_3ch.wav", "wav_pcm8_mono.wav"} {
		b, err := os.ReadFile(filepath.Join(wavFixtures, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var ext bytes.Buffer
	media.WriteWAV(&ext, &media.Audio{SampleRate: 8000, Channels: [][]float64{{0.1, -0.2}, {0, 1}, {0.5, 0.5}}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 24})
	f.Add(ext.Bytes())
	f.Add(wavBytes(fmtBody(1, 1, 8000, 2, 16), "", []byte{1, 2, 3}, 0xFFFFFFFF))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, perr := media.ProbeWAV(bytes.NewReader(b))
		a, err := media.ReadWAV(bytes.NewReader(b))
		if err != nil {
			return
		}
		if perr != nil {
			t.Fatalf("ReadWAV accepted what ProbeWAV rejected: %v", perr)
		}
		if len(a.Channels) != info.Channels || a.SampleRate != info.SampleRate {
			t.Fatalf("ReadWAV %d ch %d Hz, ProbeWAV %+v", len(a.Channels), a.SampleRate, info)
		}
		for c, ch := range a.Channels {
			if len(ch) != a.Frames() {
				t.Fatalf("channel %d has %d frames, channel 0 %d", c, len(ch), a.Frames())
			}
		}
		if info.Frames >= 0 && int64(a.Frames()) != info.Frames {
			t.Fatalf("decoded %d frames, header declares %d", a.Frames(), info.Frames)
		}
	})
}
