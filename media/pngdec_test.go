package media

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pngSpec describes a synthetic PNG for the decoder tests: an IHDR of the
// given colour type (bit depth 8 unless depth is set), w x h random pixels
// with the row filters cycling through 0..4, and the extra chunks.
type pngSpec struct {
	w, h      int
	ct        uint8
	depth     uint8
	interlace uint8
	seed      uint64
	levels    int         // pixel values are drawn from 0..levels-1 (0: 256)
	before    [][2]string // chunks (type, data) between IHDR and IDAT
	after     [][2]string // chunks between IDAT and IEND
	idatSplit int         // IDAT chunk size (0: one chunk)
	trailing  string      // bytes after the zlib stream, inside IDAT
	noIEND    bool
}

// build returns the PNG file of s.
func (s pngSpec) build() []byte {
	bpp := map[uint8]int{ctGray: 1, ctGrayAlpha: 2, ctRGB: 3, ctRGBA: 4}[s.ct]
	depth := s.depth
	if depth == 0 {
		depth = 8
	}
	r := rand.New(rand.NewPCG(s.seed, 7))
	n := s.w * bpp
	var raw []byte
	prev := make([]byte, n)
	cur, filt := make([]byte, n), make([]byte, n)
	for y := range s.h {
		for i := range cur {
			if s.levels > 0 {
				cur[i] = byte(r.IntN(s.levels))
			} else {
				cur[i] = byte(r.Uint32())
			}
		}
		ft := y % 5
		applyFilter(filt, cur, prev, bpp, ft)
		raw = append(append(raw, byte(ft)), filt...)
		prev, cur = cur, prev
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	idat := append(z.Bytes(), s.trailing...)

	out := []byte("\x89PNG\r\n\x1a\n")
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(s.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(s.h))
	ihdr[8], ihdr[9], ihdr[12] = depth, s.ct, s.interlace
	out = appendChunk(out, "IHDR", ihdr[:])
	for _, c := range s.before {
		out = appendChunk(out, c[0], []byte(c[1]))
	}
	split := s.idatSplit
	if split <= 0 {
		split = len(idat)
	}
	for len(idat) > 0 {
		k := min(split, len(idat))
		out = appendChunk(out, "IDAT", idat[:k])
		idat = idat[k:]
	}
	for _, c := range s.after {
		out = appendChunk(out, c[0], []byte(c[1]))
	}
	if !s.noIEND {
		out = appendChunk(out, "IEND", nil)
	}
	return out
}

// fastDecode runs the fast decoder alone (no image/png fallback).
func fastDecode(t testing.TB, data []byte) (image.Image, error) {
	t.Helper()
	if len(data) < ihdrEnd {
		t.Fatalf("file of %d bytes: want at least %d", len(data), ihdrEnd)
	}
	hd := fastPNGHeader(data)
	if !hd.supported {
		t.Fatalf("fast decoder does not take this file (IHDR % x)", data[16:29])
	}
	return decodeFastPNG(bufio.NewReader(bytes.NewReader(data)), hd)
}

// sameImage reports how got differs from image/png's result: concrete type,
// bounds, stride and every pixel byte (reflect.DeepEqual on the structs).
func sameImage(got, want image.Image) error {
	if reflect.TypeOf(got) != reflect.TypeOf(want) {
		return fmt.Errorf("got %T, want %T", got, want)
	}
	if got.Bounds() != want.Bounds() {
		return fmt.Errorf("got bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	if !reflect.DeepEqual(got, want) {
		return errors.New("pixels differ from image/png's")
	}
	return nil
}

func TestFastPNGMatchesImagePNG(t *testing.T) {
	var tests []pngSpec
	for _, ct := range []uint8{ctGray, ctGrayAlpha, ctRGB, ctRGBA} {
		for _, wh := range [][2]int{{1, 1}, {1, 9}, {9, 1}, {7, 6}, {33, 11}, {300, 4}} {
			tests = append(tests, pngSpec{w: wh[0], h: wh[1], ct: ct, seed: uint64(wh[0]*100 + wh[1])})
		}
		// Few levels: flat runs and ties in the Paeth predictor.
		tests = append(tests, pngSpec{w: 40, h: 12, ct: ct, seed: 3, levels: 3})
	}
	text := [2]string{"tEXt", "Comment\x00made by a test"}
	tests = append(tests,
		pngSpec{w: 20, h: 10, ct: ctRGB, seed: 1, idatSplit: 1},
		pngSpec{w: 20, h: 10, ct: ctRGBA, seed: 2, idatSplit: 17, before: [][2]string{text}, after: [][2]string{text}},
		pngSpec{w: 20, h: 10, ct: ctRGB, seed: 3, before: [][2]string{{"PLTE", "\x01\x02\x03\x04\x05\x06"}}},
		// tRNS colour keys: 16-bit samples whose low byte is compared.
		pngSpec{w: 30, h: 9, ct: ctGray, seed: 4, levels: 4, before: [][2]string{{"tRNS", "\x00\x02"}}},
		pngSpec{w: 30, h: 9, ct: ctRGB, seed: 5, levels: 2, before: [][2]string{{"tRNS", "\x00\x01\x00\x00\x00\x01"}}},
		pngSpec{w: 30, h: 9, ct: ctRGB, seed: 6, levels: 2, before: [][2]string{{"PLTE", "abc"}, {"tRNS", "\x00\x01\x00\x00\x00\x01"}}},
		// IDAT after another chunk is skipped, as image/png does.
		pngSpec{w: 8, h: 8, ct: ctGray, seed: 7, after: [][2]string{text, {"IDAT", "ignored"}}},
	)
	for _, s := range tests {
		name := fmt.Sprintf("ct%d_%dx%d_seed%d_levels%d_split%d_%d+%d", s.ct, s.w, s.h, s.seed, s.levels, s.idatSplit, len(s.before), len(s.after))
		t.Run(name, func(t *testing.T) {
			data := s.build()
			want, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("image/png: %v", err)
			}
			got, err := fastDecode(t, data)
			if err != nil {
				t.Fatalf("fast decoder: %v", err)
			}
			if err := sameImage(got, want); err != nil {
				t.Error(err)
			}
			viaDecode, err := DecodeBytes(data, DecodeOptions{})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err := sameImage(viaDecode, want); err != nil {
				t.Errorf("Decode: %v", err)
			}
		})
	}
}

// TestDecodePNGSuite: the PngSuite images (testdata/pngsuite, from Go's
// image/png tests) decode through Decode exactly as image/png decodes them;
// the 8-bit non-interlaced ones take the fast path, the rest (palette,
// 1/2/4/16-bit, interlaced) fall back. The invalid-* files are errors.
func TestDecodePNGSuite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pngsuite", "*.png"))
	if err != nil || len(files) < 30 {
		t.Fatalf("got %d PngSuite files (%v), want at least 30", len(files), err)
	}
	fast := 0
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, wantErr := png.Decode(bytes.NewReader(data))
			got, err := DecodeBytes(data, DecodeOptions{})
			if wantErr != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("got %v, want ErrCorrupt (image/png: %v)", err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err := sameImage(got, want); err != nil {
				t.Error(err)
			}
			if fastPNGHeader(data).supported {
				fast++
			}
		})
	}
	if fast < 8 {
		t.Errorf("%d files took the fast path, want at least 8 (basn0g08, basn2c08, basn4a08, basn6a08, ftp0n*, ...)", fast)
	}
}

func TestFastPNGErrors(t *testing.T) {
	ok := pngSpec{w: 16, h: 8, ct: ctRGB, seed: 1}
	good := ok.build()
	setFilter := func(ft byte) []byte { // row 0 filter byte set to ft, re-deflated
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		raw := make([]byte, 8*(1+16*3))
		raw[0] = ft
		_, _ = zw.Write(raw)
		_ = zw.Close()
		out := bytes.Clone(good[:ihdrEnd])
		out = appendChunk(out, "IDAT", z.Bytes())
		return appendChunk(out, "IEND", nil)
	}
	badAdler := func() []byte {
		out := bytes.Clone(good[:ihdrEnd])
		idat := idatData(t, good)
		idat[len(idat)-1] ^= 1
		out = appendChunk(out, "IDAT", idat)
		return appendChunk(out, "IEND", nil)
	}
	tests := []struct {
		name string
		data []byte
		want string // in the error message
	}{
		{"bad filter type", setFilter(5), "bad filter type"},
		{"bad zlib checksum", badAdler(), "checksum"},
		{"IDAT crc", flip(good, ihdrEnd+10), "invalid checksum"},
		{"no IEND", pngSpec{w: 16, h: 8, ct: ctRGB, noIEND: true}.build(), "unexpected EOF"},
		{"second IHDR", pngSpec{w: 4, h: 4, ct: ctRGB, before: [][2]string{{"IHDR", string(good[16:29])}}}.build(), "chunk out of order"},
		{"tRNS after IDAT", pngSpec{w: 4, h: 4, ct: ctRGB, after: [][2]string{{"tRNS", "\x00\x01\x00\x00\x00\x01"}}}.build(), "chunk out of order"},
		{"tRNS on RGBA", pngSpec{w: 4, h: 4, ct: ctRGBA, before: [][2]string{{"tRNS", "\x00\x01\x00\x00\x00\x01"}}}.build(), "color type mismatch"},
		{"tRNS length", pngSpec{w: 4, h: 4, ct: ctGray, before: [][2]string{{"tRNS", "\x00\x01\x00"}}}.build(), "bad tRNS length"},
		{"PLTE on gray", pngSpec{w: 4, h: 4, ct: ctGray, before: [][2]string{{"PLTE", "abc"}}}.build(), "color type mismatch"},
		{"PLTE length", pngSpec{w: 4, h: 4, ct: ctRGB, before: [][2]string{{"PLTE", "abcd"}}}.build(), "bad PLTE length"},
		{"IEND length", pngSpec{w: 4, h: 4, ct: ctRGB, noIEND: true, after: [][2]string{{"IEND", "x"}}}.build(), "bad IEND length"},
		{"too little data", append(appendChunk(bytes.Clone(good[:ihdrEnd]), "IDAT", idatData(t, pngSpec{w: 16, h: 7, ct: ctRGB}.build())), good[len(good)-12:]...), "not enough pixel data"},
		{"IEND before IDAT", append(bytes.Clone(good[:ihdrEnd]), good[len(good)-12:]...), "chunk out of order"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := fastDecode(t, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if img != nil {
				t.Errorf("got an image with the error")
			}
			if _, err := png.Decode(bytes.NewReader(tc.data)); err == nil {
				t.Errorf("image/png accepts this file: the case tests nothing")
			}
			if _, err := DecodeBytes(tc.data, DecodeOptions{}); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Decode: got %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestFastPNGTrailingIDAT: bytes after the zlib stream inside IDAT are
// ignored (the one documented difference from image/png, which rejects
// them when it has not buffered them already).
func TestFastPNGTrailingIDAT(t *testing.T) {
	s := pngSpec{w: 9, h: 5, ct: ctRGB, seed: 9}
	want, err := png.Decode(bytes.NewReader(s.build()))
	if err != nil {
		t.Fatal(err)
	}
	s.trailing = "junk"
	got, err := fastDecode(t, s.build())
	if err != nil {
		t.Fatalf("trailing bytes: %v", err)
	}
	if err := sameImage(got, want); err != nil {
		t.Error(err)
	}
	s.trailing = strings.Repeat("x", 4096) // more than any valid stream holds
	if _, err := fastDecode(t, s.build()); err == nil || !strings.Contains(err.Error(), "too much pixel data") {
		t.Errorf("4 KiB of trailing bytes: got %v, want too much pixel data", err)
	}
}

// TestFastPNGTruncatedAndFlipped: every prefix of a small file and every
// single-bit flip in it give an error or exactly image/png's image, never a
// panic.
func TestFastPNGTruncatedAndFlipped(t *testing.T) {
	data := pngSpec{w: 6, h: 5, ct: ctRGBA, seed: 11, before: [][2]string{{"tEXt", "k\x00v"}}}.build()
	for n := range len(data) {
		if _, err := DecodeBytes(data[:n], DecodeOptions{}); err == nil {
			t.Fatalf("prefix of %d of %d bytes: no error", n, len(data))
		}
	}
	for i := range len(data) {
		for bit := range 8 {
			d := bytes.Clone(data)
			d[i] ^= 1 << bit
			checkAgainstImagePNG(t, d)
		}
	}
}

// checkAgainstImagePNG fails when Decode and image/png disagree on d: one
// accepts and the other rejects (except image/png's "too much pixel data",
// see TestFastPNGTrailingIDAT), or both accept with different images.
func checkAgainstImagePNG(t *testing.T, d []byte) {
	t.Helper()
	const maxPixels = 1 << 16
	if cfg, err := png.DecodeConfig(bytes.NewReader(d)); err == nil && int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return // image/png would allocate it; Decode rejects it
	}
	got, err := DecodeBytes(d, DecodeOptions{MaxPixels: maxPixels})
	want, wantErr := png.Decode(bytes.NewReader(d))
	switch {
	case err != nil && wantErr != nil:
	case err != nil:
		if errors.Is(err, ErrTooManyPixels) {
			return
		}
		t.Fatalf("Decode: %v; image/png accepts the file\n%q", err, d)
	case wantErr != nil:
		if !strings.Contains(wantErr.Error(), "too much pixel data") {
			t.Fatalf("Decode accepts the file; image/png: %v\n%q", wantErr, d)
		}
	default:
		if e := sameImage(got, want); e != nil {
			t.Fatalf("%v\n%q", e, d)
		}
	}
}

// FuzzDecodePNG is a differential fuzz target: Decode (fast path or
// fallback) against image/png. Run: go test -fuzz FuzzDecodePNG ./media
func FuzzDecodePNG(f *testing.F) {
	f.Add(pngSpec{w: 5, h: 4, ct: ctRGB, seed: 1}.build())
	f.Add(pngSpec{w: 5, h: 4, ct: ctGray, seed: 2, before: [][2]string{{"tRNS", "\x00\x07"}}}.build())
	f.Add(pngSpec{w: 3, h: 6, ct: ctGrayAlpha, seed: 3, idatSplit: 5}.build())
	f.Add(pngSpec{w: 6, h: 2, ct: ctRGBA, seed: 4, levels: 2, after: [][2]string{{"tEXt", "a\x00b"}}}.build())
	f.Add(pngSpec{w: 4, h: 4, ct: ctRGB, seed: 5, before: [][2]string{{"PLTE", "abc"}, {"tRNS", "\x00\x01\x00\x02\x00\x03"}}}.build())
	for _, name := range []string{"basn0g08.png", "basn2c08.png", "basn6a08.png", "ftbrn2c08.png", "basn3p04.png", "basn0g16.png"} {
		data, err := os.ReadFile(filepath.Join("testdata", "pngsuite", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, d []byte) { checkAgainstImagePNG(t, d) })
}

// idatData returns the concatenated IDAT payload of a PNG file.
func idatData(t testing.TB, file []byte) []byte {
	t.Helper()
	var out []byte
	for p := 8; p+12 <= len(file); {
		n := int(binary.BigEndian.Uint32(file[p:]))
		if string(file[p+4:p+8]) == "IDAT" {
			out = append(out, file[p+8:p+8+n]...)
		}
		p += 12 + n
	}
	if out == nil {
		t.Fatal("no IDAT chunk")
	}
	return out
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x40
	return b
}
