package datasets_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// The helpers below are copies of package generators' test helpers.

// writePNGs makes n small PNGs per class under dir/<prefix><class>/.
func writePNGs(t testing.TB, dir string, counts map[string]int) {
	t.Helper()
	for class, n := range counts {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 8, 8))
			for p := range img.Pix {
				img.Pix[p] = uint8(len(class)*31 + i*7 + p)
			}
			img.Set(0, 0, color.Gray{Y: uint8(i)})
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, class, fmt.Sprintf("%03d.png", i)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 17)
	copy(ihdr, "IHDR")
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	ihdr[12], ihdr[13] = 8, 2 // bit depth, colour type RGB
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(ihdr))
	return b.Bytes()
}

// noisePNG is a 32x32 PNG that does not compress to nothing, so cutting it
// in half cuts its pixel data.
func noisePNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for p := range img.Pix {
		img.Pix[p] = uint8(p*7919 + p/3)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wavBytes(t testing.TB, n int) []byte {
	t.Helper()
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i%50)/50 - 0.5
	}
	var buf bytes.Buffer
	if err := media.WriteWAV(&buf, &media.Audio{SampleRate: 8000, Channels: [][]float64{x}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func npyBytes(t testing.TB, n int) []byte {
	t.Helper()
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i)
	}
	var buf bytes.Buffer
	if err := media.WriteNPYVector(&buf, x); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFiles(t testing.TB, root string, files map[string][]byte) {
	t.Helper()
	for k, b := range files {
		p := filepath.Join(root, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newStoreAt(t testing.TB, dir string) (storage.Store, error) {
	l, err := locator.New(locator.Config{LocalRoots: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := l.Open(context.Background(), dir)
	return st, err
}
