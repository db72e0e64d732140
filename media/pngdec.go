package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
)

// The PNG decoder of this file handles the files a dataset is made of:
// 8-bit gray, gray+alpha, RGB and RGBA, not interlaced, with or without a
// tRNS colour key. It returns the image types image/png returns, with the
// same pixels (tested on a corpus and by a differential fuzz target), but
// inflates with github.com/klauspost/compress and unfilters with fewer
// branches. Other PNGs (palette, 1/2/4/16-bit, interlaced, a first chunk
// other than IHDR) go to image/png: see fastPNGHeader.
//
// Chunk rules are image/png's: IHDR first; PLTE allowed (and ignored) only
// for RGB and RGBA, before tRNS and IDAT; tRNS before IDAT; consecutive
// IDAT chunks hold one zlib stream; IDAT chunks after another chunk are
// skipped; ancillary and unknown chunks are skipped; every CRC is checked;
// decoding stops at IEND. The zlib checksum is verified. One difference:
// bytes after the end of the zlib stream inside IDAT are ignored (as libpng
// does), where image/png fails with "too much pixel data" if it has not
// already buffered them.

// pngIHDR is the part of the IHDR chunk the fast decoder needs.
type pngIHDR struct {
	w, h      int
	ct        uint8 // colour type
	bpp       int   // bytes per pixel (depth 8)
	crcOK     bool
	supported bool
}

// ihdrEnd is the length of the signature plus a complete IHDR chunk.
const ihdrEnd = 8 + 8 + 13 + 4

// fastPNGHeader parses the IHDR that starts at byte 8 of head (which holds
// at least ihdrEnd bytes) and reports whether the fast decoder takes the
// file: IHDR first, bit depth 8, colour type 0, 2, 4 or 6, compression and
// filter method 0, no interlacing, both sides in 1..2^31-1.
func fastPNGHeader(head []byte) pngIHDR {
	if len(head) < ihdrEnd || binary.BigEndian.Uint32(head[8:]) != 13 || string(head[12:16]) != "IHDR" {
		return pngIHDR{}
	}
	d := head[16:29]
	w, h := int32(binary.BigEndian.Uint32(d[0:])), int32(binary.BigEndian.Uint32(d[4:]))
	hd := pngIHDR{w: int(w), h: int(h), ct: d[9]}
	hd.crcOK = crc32.ChecksumIEEE(head[12:29]) == binary.BigEndian.Uint32(head[29:])
	switch hd.ct {
	case ctGray:
		hd.bpp = 1
	case ctGrayAlpha:
		hd.bpp = 2
	case ctRGB:
		hd.bpp = 3
	case ctRGBA:
		hd.bpp = 4
	default:
		return hd
	}
	hd.supported = w > 0 && h > 0 && d[8] == 8 && d[10] == 0 && d[11] == 0 && d[12] == 0
	return hd
}

// decState is the pooled scratch of one decode.
type decState struct {
	zr        io.ReadCloser // a klauspost zlib reader (zlib.Resetter)
	src       bytes.Reader
	idat      []byte
	cur, prev []byte
	hdr       [8]byte
}

var decStates sync.Pool // *decState

// errPNG is a PNG format error of the fast decoder (wrapped in ErrCorrupt
// by Decode).
type errPNG string

func (e errPNG) Error() string { return "png: invalid format: " + string(e) }

var errChunkOrder = errPNG("chunk out of order")

// decodeFastPNG decodes the PNG whose IHDR (hd, already checked against the
// pixel limit) starts at byte 8 of br. Errors are errPNG, io errors of br
// (io.ErrUnexpectedEOF for a truncated file) or zlib/flate errors.
func decodeFastPNG(br *bufio.Reader, hd pngIHDR) (image.Image, error) {
	if !hd.crcOK {
		return nil, errPNG("invalid checksum")
	}
	if _, err := br.Discard(ihdrEnd); err != nil {
		return nil, err
	}
	st, _ := decStates.Get().(*decState)
	if st == nil {
		st = &decState{}
	}
	img, err := st.decode(br, hd)
	if cap(st.idat) <= retainBytes {
		decStates.Put(st)
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return img, err
}

// Chunk stages, as image/png counts them.
const (
	stIHDR = iota + 1
	stPLTE
	stTRNS
	stIDAT
)

func (st *decState) decode(br *bufio.Reader, hd pngIHDR) (image.Image, error) {
	rowBytes := int64(hd.w) * int64(hd.bpp)
	raw := int64(hd.h) * (1 + rowBytes)
	// A zlib stream of raw bytes is at most raw + 5 bytes per 64 KiB
	// stored block + 6; more IDAT than this cannot be a valid image.
	maxIDAT := raw + raw/1024 + 1024

	stage := stIHDR
	var trns []byte // the tRNS colour key, if any
	var trnsBuf [6]byte
	st.idat = st.idat[:0]
	for {
		typ, n, err := st.chunkHeader(br)
		if err != nil {
			return nil, err
		}
		switch typ {
		case "IHDR":
			return nil, errChunkOrder
		case "PLTE":
			if stage != stIHDR {
				return nil, errChunkOrder
			}
			stage = stPLTE
			if np := n / 3; n%3 != 0 || np == 0 || np > 256 {
				return nil, errPNG("bad PLTE length")
			}
			if hd.ct != ctRGB && hd.ct != ctRGBA {
				return nil, errPNG("PLTE, color type mismatch")
			}
			if err := skipChunk(br, typ, n); err != nil {
				return nil, err
			}
			continue
		case "tRNS":
			if stage != stIHDR && !(hd.ct == ctRGB && stage == stPLTE) {
				return nil, errChunkOrder
			}
			stage = stTRNS
			var want uint32
			switch hd.ct {
			case ctGray:
				want = 2
			case ctRGB:
				want = 6
			default:
				return nil, errPNG("tRNS, color type mismatch")
			}
			if n != want {
				return nil, errPNG("bad tRNS length")
			}
			trns = trnsBuf[:n]
			if err := readChunk(br, typ, trns); err != nil {
				return nil, err
			}
			continue
		case "IEND":
			if stage != stIDAT {
				return nil, errChunkOrder
			}
			if n != 0 {
				return nil, errPNG("bad IEND length")
			}
			if err := readChunk(br, typ, nil); err != nil {
				return nil, err
			}
			return st.pixels(hd, trns)
		case "IDAT":
			if stage == stIDAT { // after another chunk: ignored, as in image/png
				break
			}
			stage = stIDAT
			for { // the run of consecutive IDAT chunks
				if int64(len(st.idat))+int64(n) > maxIDAT {
					return nil, errPNG(fmt.Sprintf("too much pixel data: IDAT holds over %d bytes for %d bytes of %dx%d rows", maxIDAT, raw, hd.w, hd.h))
				}
				k := len(st.idat)
				st.idat = growKeep(st.idat, k+int(n))
				if err := readChunk(br, typ, st.idat[k:]); err != nil {
					return nil, err
				}
				if typ, n, err = st.chunkHeader(br); err != nil {
					return nil, err
				}
				if typ != "IDAT" {
					break
				}
			}
			// typ, n: the chunk after the run, handled as any other.
			if typ == "IEND" || typ == "IHDR" || typ == "PLTE" || typ == "tRNS" {
				switch {
				case typ != "IEND":
					return nil, errChunkOrder
				case n != 0:
					return nil, errPNG("bad IEND length")
				}
				if err := readChunk(br, typ, nil); err != nil {
					return nil, err
				}
				return st.pixels(hd, trns)
			}
		}
		if n > 0x7fffffff {
			return nil, errPNG(fmt.Sprintf("Bad chunk length: %d", n))
		}
		if err := skipChunk(br, typ, n); err != nil {
			return nil, err
		}
	}
}

// chunkHeader reads a chunk's length and type.
func (st *decState) chunkHeader(br *bufio.Reader) (string, uint32, error) {
	if _, err := io.ReadFull(br, st.hdr[:]); err != nil {
		return "", 0, err
	}
	return string(st.hdr[4:8]), binary.BigEndian.Uint32(st.hdr[:4]), nil
}

// readChunk reads a chunk's data (len(data) bytes) and checks its CRC.
func readChunk(br *bufio.Reader, typ string, data []byte) error {
	if _, err := io.ReadFull(br, data); err != nil {
		return err
	}
	crc := crc32.Update(crc32.ChecksumIEEE([]byte(typ)), crc32.IEEETable, data)
	return checkCRC(br, crc)
}

// skipChunk reads past n bytes of chunk data, checking the CRC.
func skipChunk(br *bufio.Reader, typ string, n uint32) error {
	crc := crc32.ChecksumIEEE([]byte(typ))
	for n > 0 {
		b, err := br.Peek(int(min(n, uint32(br.Size()))))
		if len(b) == 0 {
			return err
		}
		crc = crc32.Update(crc, crc32.IEEETable, b)
		n -= uint32(len(b))
		_, _ = br.Discard(len(b))
	}
	return checkCRC(br, crc)
}

func checkCRC(br *bufio.Reader, crc uint32) error {
	var b [4]byte
	if _, err := io.ReadFull(br, b[:]); err != nil {
		return err
	}
	if binary.BigEndian.Uint32(b[:]) != crc {
		return errPNG("invalid checksum")
	}
	return nil
}

// pixels inflates st.idat and unfilters it into the image type image/png
// returns: Gray (gray), RGBA (RGB), NRGBA (gray+alpha, RGBA, or gray/RGB
// with a tRNS key, whose matching pixels get alpha 0).
func (st *decState) pixels(hd pngIHDR, trns []byte) (image.Image, error) {
	st.src.Reset(st.idat)
	if st.zr == nil {
		zr, err := zlib.NewReader(&st.src)
		if err != nil {
			return nil, err
		}
		st.zr = zr
	} else if err := st.zr.(zlib.Resetter).Reset(&st.src, nil); err != nil {
		return nil, err
	}
	w, h, bpp := hd.w, hd.h, hd.bpp
	n := w * bpp
	rect := image.Rect(0, 0, w, h)
	var (
		img   image.Image
		pix   []byte
		inPix bool // rows are unfiltered in the output itself
	)
	switch {
	case hd.ct == ctGray && trns == nil:
		g := image.NewGray(rect)
		img, pix, inPix = g, g.Pix, true
	case hd.ct == ctRGBA:
		m := image.NewNRGBA(rect)
		img, pix, inPix = m, m.Pix, true
	case hd.ct == ctRGB && trns == nil:
		m := image.NewRGBA(rect)
		img, pix = m, m.Pix
	default: // gray+alpha, or a tRNS key
		m := image.NewNRGBA(rect)
		img, pix = m, m.Pix
	}
	st.cur, st.prev = grow(st.cur, n), grow(st.prev, n)
	prev := st.prev
	clear(prev)
	var ft [1]byte
	for y := range h {
		cur := st.cur
		if inPix {
			cur = pix[y*n : (y+1)*n]
		}
		if _, err := io.ReadFull(st.zr, ft[:]); err == nil {
			_, err = io.ReadFull(st.zr, cur)
			if err != nil {
				return nil, pixelErr(err)
			}
		} else {
			return nil, pixelErr(err)
		}
		if !unfilter(cur, prev, bpp, ft[0]) {
			return nil, errPNG("bad filter type")
		}
		if inPix {
			prev = cur
			continue
		}
		out := pix[y*4*w : (y+1)*4*w]
		switch {
		case hd.ct == ctRGB && trns == nil:
			expandRGB(out, cur)
		case hd.ct == ctRGB:
			expandRGBKey(out, cur, trns[1], trns[3], trns[5])
		case hd.ct == ctGrayAlpha:
			expandGrayAlpha(out, cur)
		default:
			expandGrayKey(out, cur, trns[1])
		}
		st.cur, st.prev = st.prev, st.cur
		prev = st.prev
	}
	// The stream must end here; reading past the end verifies its checksum.
	if k, err := st.zr.Read(ft[:]); k != 0 {
		return nil, errPNG("too much pixel data")
	} else if err != io.EOF {
		if err == nil {
			err = io.ErrNoProgress
		}
		return nil, err
	}
	return img, nil
}

// pixelErr names a stream that ends before the last row.
func pixelErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errPNG("not enough pixel data")
	}
	return err
}

func expandRGB(dst, src []byte) {
	n := len(src) / 3
	dst, src = dst[:4*n], src[:3*n]
	for i := range n {
		s := src[3*i : 3*i+3 : 3*i+3]
		d := dst[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = s[0], s[1], s[2], 0xff
	}
}

// expandRGBKey is expandRGB with alpha 0 where the pixel equals the tRNS
// key. Like image/png, it compares the low bytes of the 16-bit key samples.
func expandRGBKey(dst, src []byte, r, g, b byte) {
	expandRGB(dst, src)
	for i := 0; i < len(src)/3; i++ {
		if src[3*i] == r && src[3*i+1] == g && src[3*i+2] == b {
			dst[4*i+3] = 0
		}
	}
}

func expandGrayAlpha(dst, src []byte) {
	n := len(src) / 2
	dst, src = dst[:4*n], src[:2*n]
	for i := range n {
		v := src[2*i]
		d := dst[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = v, v, v, src[2*i+1]
	}
}

func expandGrayKey(dst, src []byte, key byte) {
	dst = dst[:4*len(src)]
	for i, v := range src {
		a := byte(0xff)
		if v == key {
			a = 0
		}
		d := dst[4*i : 4*i+4 : 4*i+4]
		d[0], d[1], d[2], d[3] = v, v, v, a
	}
}

// growKeep returns b extended to n bytes, keeping its contents.
func growKeep(b []byte, n int) []byte {
	if cap(b) < n {
		nb := make([]byte, n, max(n, 2*cap(b)))
		copy(nb, b)
		return nb
	}
	return b[:n]
}
