package media

import (
	"encoding/binary"
	"image"

	"github.com/disintegration/imaging"
)

// Orientation is the EXIF orientation tag (0x0112) of a JPEG: the transform
// that displays the stored pixels upright. 1 is upright; 0 means the tag is
// absent or unreadable and is treated as 1.
//
//	1 upright        2 flip horizontal   3 rotate 180   4 flip vertical
//	5 transpose      6 rotate 90 CW      7 transverse   8 rotate 90 CCW
type Orientation int

// JPEGOrientation reads the EXIF orientation from the start of a JPEG file.
// data needs to hold only the segments before the first frame header (APP1
// comes first in practice). It walks the marker segments, finds an APP1
// segment that starts with "Exif\x00\x00", reads the TIFF header (byte order
// "II" or "MM", magic 42), and looks up tag 0x0112 (type SHORT) in IFD0. It
// never panics; anything malformed gives 0.
func JPEGOrientation(data []byte) Orientation {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 0
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 0
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD9 || marker == 0xDA { // EOI, SOS: no more headers
			return 0
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 0
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + size
	}
	return 0
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure.
func tiffOrientation(t []byte) Orientation {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	n := int64(bo.Uint16(t[off:]))
	for e := off + 2; e+12 <= int64(len(t)) && n > 0; e, n = e+12, n-1 {
		tag, typ, count := bo.Uint16(t[e:]), bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:])
		if tag != 0x0112 {
			continue
		}
		if typ != 3 || count < 1 { // SHORT, value stored inline
			return 0
		}
		v := Orientation(bo.Uint16(t[e+8:]))
		if v < 1 || v > 8 {
			return 0
		}
		return v
	}
	return 0
}

// Apply returns img transformed so that it displays upright. Colour images go
// through imaging's FlipH/FlipV/Rotate90/Rotate180/Rotate270/Transpose/
// Transverse (and become *image.NRGBA); *image.Gray and *image.Gray16 keep
// their type so that gray detection and 16-bit precision survive.
func (o Orientation) Apply(img image.Image) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	switch g := img.(type) {
	case *image.Gray:
		out := image.NewGray(orientedRect(g.Bounds(), o))
		orientPix(out.Pix, out.Stride, g.Pix, g.Stride, g.Bounds().Dx(), g.Bounds().Dy(), 1, o)
		return out
	case *image.Gray16:
		out := image.NewGray16(orientedRect(g.Bounds(), o))
		orientPix(out.Pix, out.Stride, g.Pix, g.Stride, g.Bounds().Dx(), g.Bounds().Dy(), 2, o)
		return out
	}
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // imaging rotates counter-clockwise
	case 7:
		return imaging.Transverse(img)
	default: // 8
		return imaging.Rotate90(img)
	}
}

func orientedRect(b image.Rectangle, o Orientation) image.Rectangle {
	if o >= 5 {
		return image.Rect(0, 0, b.Dy(), b.Dx())
	}
	return image.Rect(0, 0, b.Dx(), b.Dy())
}

// orientPix writes the oriented copy of a w x h source with bpp bytes per
// pixel. For each destination pixel (x, y) the source pixel is:
//
//	2: (w-1-x, y)      3: (w-1-x, h-1-y)   4: (x, h-1-y)       5: (y, x)
//	6: (y, h-1-x)      7: (w-1-y, h-1-x)   8: (w-1-y, x)
func orientPix(dst []byte, dstStride int, src []byte, srcStride, w, h, bpp int, o Orientation) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			default:
				sx, sy = w-1-y, x
			}
			copy(dst[y*dstStride+x*bpp:y*dstStride+x*bpp+bpp], src[sy*srcStride+sx*bpp:])
		}
	}
}
