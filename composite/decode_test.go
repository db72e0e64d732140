package composite_test

import (
	"bytes"
	"context"
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
	"testing/fstest"

	"github.com/tailsynth/tailsynth/composite"
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
		opts composite.DecodeOptions
		want error
	}{
		{"zero bytes", bytes.NewReader(nil), composite.DecodeOptions{}, composite.ErrEmptyFile},
		{"text named .png", bytes.NewReader([]byte("id,label\n1,cat\n")), composite.DecodeOptions{}, composite.ErrUnsupportedFormat},
		{"gif", bytes.NewReader([]byte("GIF89a\x01\x00\x01\x00")), composite.DecodeOptions{}, composite.ErrUnsupportedFormat},
		{"png signature only", bytes.NewReader(good[:8]), composite.DecodeOptions{}, composite.ErrCorrupt},
		{"truncated png", bytes.NewReader(good[:len(good)/2]), composite.DecodeOptions{}, composite.ErrCorrupt},
		{"corrupt png", bytes.NewReader(corrupt), composite.DecodeOptions{}, composite.ErrCorrupt},
		{"truncated jpeg", bytes.NewReader(goodJPEG[:len(goodJPEG)/3]), composite.DecodeOptions{}, composite.ErrCorrupt},
		{"huge png header", bytes.NewReader(pngHeader(50000, 50000)), composite.DecodeOptions{}, composite.ErrTooManyPixels},
		{"over pixel limit", bytes.NewReader(good), composite.DecodeOptions{MaxPixels: 64*64 - 1}, composite.ErrTooManyPixels},
		{"over byte limit", bytes.NewReader(good), composite.DecodeOptions{MaxBytes: 100}, composite.ErrFileTooLarge},
		{"reader error", &failingReader{data: good[:50], err: errRead}, composite.DecodeOptions{}, errRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := composite.Decode(tc.r, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tc.want)
			}
			if img != nil {
				t.Errorf("got an image with the error")
			}
			if tc.want == errRead && errors.Is(err, composite.ErrCorrupt) {
				t.Errorf("a read error was reported as a corrupt file: %v", err)
			}
		})
	}
	// Exactly at the limits is accepted.
	if _, err := composite.DecodeBytes(good, composite.DecodeOptions{MaxPixels: 64 * 64, MaxBytes: int64(len(good))}); err != nil {
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
	_, err := composite.DecodeBytes(data, composite.DecodeOptions{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, composite.ErrTooManyPixels) {
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
		img, err := composite.DecodeBytes(tc.data, composite.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := typeName(img); got != tc.want {
			t.Errorf("%s: type %s, want %s", tc.name, got, tc.want)
		}
	}
	img, _ := composite.DecodeBytes(encodePNG(t, g16), composite.DecodeOptions{})
	if got := img.(*image.Gray16).Gray16At(1, 1).Y; got != 0x1234 {
		t.Errorf("16-bit sample = %#x, want 0x1234", got)
	}
}

// TestBadFilesThroughFSLoader: per-file errors reach the caller of Compose
// as *SourceError with the key, classifiable with errors.Is.
func TestBadFilesThroughFSLoader(t *testing.T) {
	fsys := fstest.MapFS{
		"a/good.png":      {Data: encodePNG(t, pattern(16, 16, red))},
		"a/empty.png":     {Data: nil},
		"a/notes.png":     {Data: []byte("this is a text file")},
		"a/truncated.png": {Data: encodePNG(t, pattern(16, 16, red))[:60]},
		"a/huge.png":      {Data: pngHeader(50000, 50000)},
	}
	load := composite.FSLoader(fsys, composite.DecodeOptions{})
	o := opts(t, "3x1", "24", composite.FitStretch)
	for key, want := range map[string]error{
		"a/empty.png": composite.ErrEmptyFile, "a/notes.png": composite.ErrUnsupportedFormat,
		"a/truncated.png": composite.ErrCorrupt, "a/huge.png": composite.ErrTooManyPixels,
	} {
		_, err := composite.Compose(context.Background(), plan3("a/good.png", "a/good.png", key), load, o)
		var se *composite.SourceError
		if !errors.As(err, &se) || se.Key != key || !errors.Is(err, want) {
			t.Errorf("%s: got %v, want *SourceError{Key: %q} wrapping %v", key, err, key, want)
		}
	}
	if _, err := composite.Compose(context.Background(), plan3("a/good.png", "a/good.png", "a/good.png"), load, o); err != nil {
		t.Errorf("good files: %v", err)
	}
}

// FuzzDecode: Decode never panics and returns either an image with pixels
// or an error. `go test -fuzz FuzzDecode ./composite` explores further.
func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, pattern(8, 8, red)))
	f.Add(encodePNG(f, gray16Img(3, 3, 9)))
	f.Add(encodeJPEG(f, pattern(8, 8, blue)))
	f.Add(withEXIF(encodeJPEG(f, pattern(8, 4, green)), 6, binary.BigEndian))
	f.Add(pngHeader(1, 1))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := composite.DecodeBytes(data, composite.DecodeOptions{MaxPixels: 1 << 20})
		if err == nil && (img == nil || img.Bounds().Empty()) {
			t.Fatalf("no error and no pixels")
		}
		_ = color.Black
	})
}
