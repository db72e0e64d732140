package composite_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"testing"
	"testing/fstest"

	"github.com/tailsynth/tailsynth/composite"
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
	load := composite.FSLoader(fsys, media.DecodeOptions{})
	o := opts(t, "3x1", "24", composite.FitStretch)
	for key, want := range map[string]error{
		"a/empty.png": media.ErrEmptyFile, "a/notes.png": media.ErrUnsupportedFormat,
		"a/truncated.png": media.ErrCorrupt, "a/huge.png": media.ErrTooManyPixels,
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
