package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"
	"testing"

	"github.com/tailsynth/tailsynth/media"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader is a PNG with only a signature, an IHDR declaring w x h 8-bit
// RGB, and IEND: what a decompression-bomb header looks like.
func pngHeader(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		var b []byte
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestDecodeBadInputs(t *testing.T) {
	good := encodePNG(t, pattern(64, 64, red))
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0xff // inside IDAT: the chunk CRC no longer matches
	goodJPEG := encodeJPEG(t, pattern(64, 64, red))
	errRead := errors.New("network down")

	tests := []struct {
		name string
		r    io.Reader
		opts media.DecodeOptions
		want error
	}{
		{"zero bytes", bytes.NewReader(nil), media.DecodeOptions{}, media.ErrEmptyFile},
		{"text named .png", bytes.NewReader([]byte("id,label\n1,cat\n")), media.DecodeOptions{}, media.ErrUnsupportedFormat},
		{"gif", bytes.NewReader([]byte("GIF89a\x01\x00\x01\x00")), media.DecodeOptions{}, media.ErrUnsupportedFormat},
		{"png signature only", bytes.NewReader(good[:8]), media.DecodeOptions{}, media.ErrCorrupt},
		{"truncated png", bytes.NewReader(good[:len(good)/2]), media.DecodeOptions{}, media.ErrCorrupt},
		{"corrupt png", bytes.NewReader(corrupt), media.DecodeOptions{}, media.ErrCorrupt},
		{"truncated jpeg", bytes.NewReader(goodJPEG[:len(goodJPEG)/3]), media.DecodeOptions{}, media.ErrCorrupt},
		{"huge png header", bytes.NewReader(pngHeader(50000, 50000)), media.DecodeOptions{}, media.ErrTooManyPixels},
		{"over pixel limit", bytes.NewReader(good), media.DecodeOptions{MaxPixels: 64*64 - 1}, media.ErrTooManyPixels},
		{"over byte limit", bytes.NewReader(good), media.DecodeOptions{MaxBytes: 100}, media.ErrFileTooLarge},
		{"reader error", &failingReader{data: good[:50], err: errRead}, media.DecodeOptions{}, errRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := media.Decode(tc.r, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.want)
			}
			if img != nil {
				t.Errorf("got an image with the error")
			}
			if tc.want == errRead && errors.Is(err, media.ErrCorrupt) {
				t.Errorf("a read error was reported as a corrupt file: %v", err)
			}
		})
	}
	// Exactly at the limits is accepted.
	if _, err := media.DecodeBytes(good, media.DecodeOptions{MaxPixels: 64 * 64, MaxBytes: int64(len(good))}); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

// TestHugeHeaderDoesNotAllocate: a 50,000 x 50,000 header (7.5 GB as RGB)
// is rejected after reading a few bytes; the whole call allocates well under
// a megabyte.
func TestHugeHeaderDoesNotAllocate(t *testing.T) {
	data := pngHeader(50000, 50000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := media.DecodeBytes(data, media.DecodeOptions{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, media.ErrTooManyPixels) {
		t.Fatalf("got %v, want ErrTooManyPixels", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("allocated %d bytes, want < 1 MiB", got)
	}
}

func TestDecodeFormats(t *testing.T) {
	g16 := gray16Img(5, 3, 0x1234)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"png gray8", encodePNG(t, grayImg(5, 3, 7)), "*image.Gray"},
		{"png gray16", encodePNG(t, g16), "*image.Gray16"},
		{"png rgb", encodePNG(t, solid(5, 3, red)), "*image.RGBA"}, // Go's decoder for opaque truecolour
		{"jpeg gray", encodeJPEG(t, grayImg(5, 3, 7)), "*image.Gray"},
	}
	for _, tc := range tests {
		img, err := media.DecodeBytes(tc.data, media.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := typeName(img); got != tc.want {
			t.Errorf("%s: type %s, want %s", tc.name, got, tc.want)
		}
	}
	img, _ := media.DecodeBytes(encodePNG(t, g16), media.DecodeOptions{})
	if got := img.(*image.Gray16).Gray16At(1, 1).Y; got != 0x1234 {
		t.Errorf("16-bit sample = %#x, want 0x1234", got)
	}
}

// FuzzDecode: Decode never panics and returns either an image with pixels
// or an error. `go test -fuzz FuzzDecode ./media` explores further.
func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, pattern(8, 8, red)))
	f.Add(encodePNG(f, gray16Img(3, 3, 9)))
	f.Add(encodeJPEG(f, pattern(8, 8, blue)))
	f.Add(withEXIF(encodeJPEG(f, pattern(8, 4, green)), 6, binary.BigEndian))
	f.Add(pngHeader(1, 1))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := media.DecodeBytes(data, media.DecodeOptions{MaxPixels: 1 << 20})
		if err == nil && (img == nil || img.Bounds().Empty()) {
			t.Fatalf("no error and no pixels")
		}
		_ = color.Black
	})
}
