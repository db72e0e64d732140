package media

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
)

// refFilter is image/png's filter choice (writer.go, filter), written out
// plainly: the sums of |int8| in Go's order Up, Paeth, None, Sub, Average,
// the first minimum winning.
func refFilter(cur, prev []byte, bpp int) int {
	best, bestFt := -1, 0
	tmp := make([]byte, len(cur))
	for _, ft := range []int{ftUp, ftPaeth, ftNone, ftSub, ftAverage} {
		for i := range cur {
			var a, b, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b = int(prev[i])
			var p int
			switch ft {
			case ftSub:
				p = a
			case ftUp:
				p = b
			case ftAverage:
				p = (a + b) / 2
			case ftPaeth:
				p = int(paethSpec(uint8(a), uint8(b), uint8(c)))
			}
			tmp[i] = cur[i] - uint8(p)
		}
		sum := 0
		for _, v := range tmp {
			sum += absInt(int(int8(v)))
		}
		if best < 0 || sum < best {
			best, bestFt = sum, ft
		}
	}
	return bestFt
}

// paethSpec is the predictor as the PNG specification writes it.
func paethSpec(a, b, c uint8) uint8 {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := absInt(p-int(a)), absInt(p-int(b)), absInt(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

// TestChooseFilter: the SWAR sums and the early-stopping Paeth give
// image/png's choice on random rows (few levels make ties common), every
// bpp and lengths around the 8-byte blocks; applyFilter and unfilter are
// inverses.
func TestChooseFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	counts := map[int]int{}
	for trial := range 4000 {
		bpp := 1 + trial%4
		n := bpp * (1 + r.IntN(40))
		if trial%50 == 0 {
			n = bpp * 700 // more than 255 SWAR steps
		}
		levels := []int{2, 3, 16, 256}[r.IntN(4)]
		cur, prev := make([]byte, n), make([]byte, n)
		for i := range cur {
			cur[i], prev[i] = byte(r.IntN(levels)), byte(r.IntN(levels))
			if levels == 256 && trial%3 == 0 { // smooth rows: Up/Paeth win
				cur[i] = prev[i] + byte(r.IntN(5))
			}
		}
		if trial%7 == 0 {
			clear(prev) // first row
		}
		got, want := chooseFilter(cur, prev, bpp), refFilter(cur, prev, bpp)
		if got != want {
			t.Fatalf("trial %d (bpp %d, n %d): got filter %d, want %d\ncur %v\nprev %v", trial, bpp, n, got, want, cur, prev)
		}
		counts[got]++
		filt := make([]byte, n)
		applyFilter(filt, cur, prev, bpp, got)
		if !unfilter(filt, prev, bpp, byte(got)) || !bytes.Equal(filt, cur) {
			t.Fatalf("trial %d: unfilter(applyFilter(row, %d)) != row", trial, got)
		}
	}
	for ft := ftNone; ft <= ftPaeth; ft++ {
		if counts[ft] == 0 {
			t.Errorf("filter %d never chosen (counts %v): the rows do not exercise it", ft, counts)
		}
	}
}

// encoderCases are the image kinds the Encoder writes itself, and some it
// hands to image/png.
func encoderCases() map[string]image.Image {
	r := rand.New(rand.NewPCG(2, 2))
	fill := func(pix []byte, opaqueEvery int) {
		for i := range pix {
			pix[i] = byte(r.IntN(256))
			if opaqueEvery > 0 && i%opaqueEvery == opaqueEvery-1 {
				pix[i] = 0xff
			}
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 37, 9))
	fill(gray.Pix, 0)
	g16 := image.NewGray16(image.Rect(0, 0, 13, 5))
	fill(g16.Pix, 0)
	opaque := image.NewNRGBA(image.Rect(0, 0, 50, 20))
	fill(opaque.Pix, 4)
	alpha := image.NewNRGBA(image.Rect(0, 0, 21, 11))
	fill(alpha.Pix, 0)
	rgba := image.NewRGBA(image.Rect(0, 0, 19, 7))
	fill(rgba.Pix, 4)
	rgbaAlpha := image.NewRGBA(image.Rect(0, 0, 9, 9))
	for i := range rgbaAlpha.Pix { // valid premultiplied: colour <= alpha
		rgbaAlpha.Pix[i] = byte(i % 200)
		if i%4 == 3 {
			rgbaAlpha.Pix[i] = 200
		}
	}
	pal := image.NewPaletted(image.Rect(0, 0, 10, 10), color.Palette{color.Black, color.White, color.NRGBA{R: 255, A: 255}})
	fill(pal.Pix, 0)
	for i := range pal.Pix {
		pal.Pix[i] %= 3
	}
	smooth := image.NewNRGBA(image.Rect(0, 0, 300, 40)) // long rows, Up/Paeth-friendly
	for y := range 40 {
		for x := range 300 {
			i := smooth.PixOffset(x, y)
			smooth.Pix[i], smooth.Pix[i+1], smooth.Pix[i+2], smooth.Pix[i+3] = uint8(x+y), uint8(2*x), uint8(y*3), 0xff
		}
	}
	return map[string]image.Image{
		"gray": gray, "gray16": g16, "nrgba opaque": opaque, "nrgba alpha": alpha,
		"rgba opaque": rgba, "rgba alpha (image/png)": rgbaAlpha, "paletted (image/png)": pal,
		"smooth 300x40": smooth, "1x1": image.NewGray(image.Rect(0, 0, 1, 1)),
		"sub-image": opaque.SubImage(image.Rect(3, 2, 40, 19)), "gray sub-image": gray.SubImage(image.Rect(5, 1, 30, 8)),
	}
}

var pngLevels = []png.CompressionLevel{png.DefaultCompression, png.BestSpeed, png.BestCompression, png.NoCompression}

// TestEncoderMatchesImagePNG: for every image kind and level, the file
// decodes (with image/png) to exactly what image/png's own file decodes
// to, and its inflated IDAT stream (filter bytes and filtered rows) is
// identical to image/png's: same colour type, same filter per row.
func TestEncoderMatchesImagePNG(t *testing.T) {
	for name, img := range encoderCases() {
		for _, level := range pngLevels {
			t.Run(fmt.Sprintf("%s/level%d", name, level), func(t *testing.T) {
				var got, want bytes.Buffer
				if err := NewEncoder(level).Encode(&got, img); err != nil {
					t.Fatal(err)
				}
				if err := (&png.Encoder{CompressionLevel: level}).Encode(&want, img); err != nil {
					t.Fatal(err)
				}
				gotImg, err := png.Decode(bytes.NewReader(got.Bytes()))
				if err != nil {
					t.Fatalf("image/png cannot read the file: %v", err)
				}
				wantImg, _ := png.Decode(bytes.NewReader(want.Bytes()))
				if err := sameImage(gotImg, wantImg); err != nil {
					t.Error(err)
				}
				if g, w := got.Bytes()[16:29], want.Bytes()[16:29]; !bytes.Equal(g, w) {
					t.Errorf("IHDR % x, want image/png's % x", g, w)
				}
				if g, w := inflate(t, idatData(t, got.Bytes())), inflate(t, idatData(t, want.Bytes())); !bytes.Equal(g, w) {
					t.Errorf("filtered stream (%d bytes) differs from image/png's (%d bytes)", len(g), len(w))
				}
			})
		}
	}
}

func inflate(t testing.TB, z []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestEncoderConcurrent: one Encoder shared by goroutines gives each the
// bytes a lone call gives (pooled state is not shared between calls).
func TestEncoderConcurrent(t *testing.T) {
	enc := NewEncoder(png.DefaultCompression)
	cases := encoderCases()
	want := map[string][]byte{}
	for name, img := range cases {
		var b bytes.Buffer
		if err := enc.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		want[name] = b.Bytes()
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for range 5 {
				for name, img := range cases {
					var b bytes.Buffer
					if err := enc.Encode(&b, img); err != nil {
						errs <- err
						return
					}
					if !bytes.Equal(b.Bytes(), want[name]) {
						errs <- fmt.Errorf("%s: concurrent output differs", name)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEncoderErrors(t *testing.T) {
	enc := NewEncoder(png.DefaultCompression)
	if err := enc.Encode(io.Discard, image.NewNRGBA(image.Rect(0, 0, 0, 5))); err == nil {
		t.Error("0x5 image: no error")
	}
	errDisk := errors.New("disk full")
	if err := enc.Encode(failWriter{errDisk}, image.NewGray(image.Rect(0, 0, 4, 4))); !errors.Is(err, errDisk) {
		t.Errorf("failing writer: got %v, want %v", err, errDisk)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

// TestEncoderAllocs: with the pool warm, an Encode allocates nothing of
// the image's size (the zlib state and buffers are reused). Skipped under
// -race, whose sync.Pool drops items at random.
func TestEncoderAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	img := encoderCases()["smooth 300x40"]
	enc := NewEncoder(png.DefaultCompression)
	var b bytes.Buffer
	allocs := testing.AllocsPerRun(20, func() {
		b.Reset()
		if err := enc.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("%.1f allocations per Encode, want <= 2", allocs)
	}
}
