package media_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"
	"github.com/tailsynth/tailsynth/media"
)

// withEXIF inserts an APP1 Exif segment after the SOI marker of a JPEG. Its
// IFD0 holds an unrelated tag (0x010F Make) first, then the orientation.
func withEXIF(jpg []byte, orientation uint16, bo binary.AppendByteOrder) []byte {
	var tiff []byte
	if bo == binary.LittleEndian {
		tiff = append(tiff, 'I', 'I')
	} else {
		tiff = append(tiff, 'M', 'M')
	}
	tiff = bo.AppendUint16(tiff, 42)
	tiff = bo.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = bo.AppendUint16(tiff, 2) // two entries
	// Make, ASCII, 4 bytes inline "ACME".
	tiff = bo.AppendUint16(tiff, 0x010F)
	tiff = bo.AppendUint16(tiff, 2)
	tiff = bo.AppendUint32(tiff, 4)
	tiff = append(tiff, "ACME"...)
	// Orientation, SHORT, count 1, value left-justified in 4 bytes.
	tiff = bo.AppendUint16(tiff, 0x0112)
	tiff = bo.AppendUint16(tiff, 3)
	tiff = bo.AppendUint32(tiff, 1)
	tiff = bo.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)
	tiff = bo.AppendUint32(tiff, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestJPEGOrientationParse(t *testing.T) {
	jpg := encodeJPEG(t, pattern(8, 8, red))
	for o := uint16(1); o <= 8; o++ {
		for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			if got := media.JPEGOrientation(withEXIF(jpg, o, bo)); got != media.Orientation(o) {
				t.Errorf("orientation %d (%v): got %d", o, bo, got)
			}
		}
	}
	for name, data := range map[string][]byte{
		"no exif":       jpg,
		"out of range":  withEXIF(jpg, 9, binary.BigEndian),
		"cut in APP1":   withEXIF(jpg, 6, binary.BigEndian)[:20],
		"not a jpeg":    []byte("hello"),
		"empty":         nil,
		"only the SOI":  {0xFF, 0xD8},
		"bad tiff byte": bytes.Replace(withEXIF(jpg, 6, binary.BigEndian), []byte("MM"), []byte("XX"), 1),
	} {
		if got := media.JPEGOrientation(data); got != 0 {
			t.Errorf("%s: got %d, want 0", name, got)
		}
	}
}

// TestDecodeAppliesOrientation compares against imaging.Decode with
// AutoOrientation, an independent EXIF reader and transform, for all eight
// orientations and both byte orders, on colour and gray JPEGs.
func TestDecodeAppliesOrientation(t *testing.T) {
	srcs := map[string]image.Image{"colour": pattern(24, 12, red), "gray": imaging.Grayscale(pattern(24, 12, red))}
	g := image.NewGray(srcs["gray"].Bounds())
	for i := range g.Pix {
		g.Pix[i] = srcs["gray"].(*image.NRGBA).Pix[4*i]
	}
	srcs["gray"] = g
	for name, src := range srcs {
		jpg := encodeJPEG(t, src)
		for o := uint16(1); o <= 8; o++ {
			for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
				data := withEXIF(jpg, o, bo)
				got, err := media.DecodeBytes(data, media.DecodeOptions{})
				if err != nil {
					t.Fatal(err)
				}
				want, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
				if err != nil {
					t.Fatal(err)
				}
				if d, err := maxDiff(got, want); err != nil || d != 0 {
					t.Errorf("%s orientation %d %v: difference %d (%v), want identical", name, o, bo, d, err)
				}
				if name == "gray" && typeName(got) != "*image.Gray" {
					t.Errorf("gray orientation %d: type %s, want *image.Gray", o, typeName(got))
				}
			}
		}
	}
}

// TestOrientationByHand: a 32x16 JPEG, white left half, black right half.
// Orientation 6 (rotate 90 CW) puts the left column on top; 8 (90 CCW) puts
// it at the bottom; IgnoreOrientation keeps the stored pixels.
func TestOrientationByHand(t *testing.T) {
	src := solid(32, 16, color.NRGBA{A: 0xff})
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			src.SetNRGBA(x, y, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff})
		}
	}
	jpg := encodeJPEG(t, src)
	bright := func(img image.Image, x, y int) bool { return nrgbaAt(img, x, y).R > 128 }
	for _, tc := range []struct {
		o           uint16
		ignore      bool
		w, h        int
		topIsBright bool
		probeTop    image.Point
		probeBottom image.Point
	}{
		{6, false, 16, 32, true, image.Pt(8, 4), image.Pt(8, 28)},
		{8, false, 16, 32, false, image.Pt(8, 4), image.Pt(8, 28)},
		{6, true, 32, 16, true, image.Pt(4, 8), image.Pt(28, 8)},
	} {
		img, err := media.DecodeBytes(withEXIF(jpg, tc.o, binary.LittleEndian), media.DecodeOptions{IgnoreOrientation: tc.ignore})
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Fatalf("orientation %d ignore=%v: size %dx%d, want %dx%d", tc.o, tc.ignore, b.Dx(), b.Dy(), tc.w, tc.h)
		}
		if bright(img, tc.probeTop.X, tc.probeTop.Y) != tc.topIsBright || bright(img, tc.probeBottom.X, tc.probeBottom.Y) == tc.topIsBright {
			t.Errorf("orientation %d ignore=%v: white half in the wrong place", tc.o, tc.ignore)
		}
	}
}
