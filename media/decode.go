package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
)

// Default decoding limits.
const (
	// DefaultMaxPixels is 64 Mpx (64 * 2^20 = 67,108,864 pixels, e.g.
	// 8192 x 8192): about 256 MiB as 8-bit RGBA.
	DefaultMaxPixels = 64 << 20
	// DefaultMaxBytes is the largest encoded file accepted, 256 MiB.
	DefaultMaxBytes = 256 << 20
)

// DecodeOptions bounds what Decode accepts. Zero fields take the defaults.
type DecodeOptions struct {
	// MaxPixels rejects an image whose header declares width*height above
	// it, before any pixel memory is allocated. 0 means DefaultMaxPixels.
	MaxPixels int64
	// MaxBytes rejects a file longer than this many bytes. 0 means
	// DefaultMaxBytes.
	MaxBytes int64
	// IgnoreOrientation skips the EXIF orientation of JPEG files. By default
	// it is applied (see Orientation.Apply). PNG eXIf chunks are not read.
	IgnoreOrientation bool
}

func (o DecodeOptions) limits() (pixels, bytes int64) {
	pixels, bytes = o.MaxPixels, o.MaxBytes
	if pixels <= 0 {
		pixels = DefaultMaxPixels
	}
	if bytes <= 0 {
		bytes = DefaultMaxBytes
	}
	return pixels, bytes
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
)

// Decode decodes one PNG (8- or 16-bit, any colour type) or JPEG image.
//
// It sniffs the format from the magic bytes (the file name is not trusted),
// reads only the header with DecodeConfig and rejects the file when
// width*height exceeds the pixel limit, so a 50,000 x 50,000 header costs a
// few kilobytes. Only then is the pixel data decoded, from the bytes already
// read followed by the rest of r. Failures wrap exactly one of ErrEmptyFile,
// ErrUnsupportedFormat, ErrTooManyPixels, ErrFileTooLarge or ErrCorrupt (or
// the reader's own error); Decode never panics.
//
// 8-bit gray, gray+alpha, RGB and RGBA PNGs without interlacing are decoded
// by this package's own reader (pngdec.go: klauspost/compress inflate, the
// same image types and pixels as image/png, tested against it); the other
// PNG kinds by image/png.
//
// PNG gives *image.Gray, *image.Gray16, *image.NRGBA, *image.NRGBA64,
// *image.Paletted, ...; JPEG gives *image.Gray, *image.YCbCr or *image.CMYK,
// turned upright per EXIF (colour types then become *image.NRGBA).
func Decode(r io.Reader, opts DecodeOptions) (img image.Image, err error) {
	maxPixels, maxBytes := opts.limits()
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrCorrupt, p)
		}
	}()
	br := bufio.NewReader(&limitedReader{r: r, n: maxBytes, limit: maxBytes})
	head, err := br.Peek(len(pngMagic))
	if len(head) == 0 {
		if err == io.EOF {
			return nil, ErrEmptyFile
		}
		return nil, err
	}
	var (
		format       string
		decodeConfig func(io.Reader) (image.Config, error)
		decode       func(io.Reader) (image.Image, error)
	)
	switch {
	case bytes.HasPrefix(head, pngMagic):
		format, decodeConfig, decode = "png", png.DecodeConfig, png.Decode
	case bytes.HasPrefix(head, jpegMagic):
		format, decodeConfig, decode = "jpeg", jpeg.DecodeConfig, jpeg.Decode
	default:
		return nil, fmt.Errorf("%w: magic bytes % x", ErrUnsupportedFormat, head)
	}

	if format == "png" {
		if head, _ := br.Peek(ihdrEnd); len(head) == ihdrEnd {
			if hd := fastPNGHeader(head); hd.supported {
				return decodeFast(br, hd, maxPixels)
			}
		}
	}

	var prefix bytes.Buffer
	cfg, err := decodeConfig(io.TeeReader(br, &prefix))
	if err != nil {
		return nil, classify(format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: %s header declares %dx%d", ErrCorrupt, format, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return nil, fmt.Errorf("%w: %s header declares %dx%d = %d pixels, limit %d (raise DecodeOptions.MaxPixels to accept it)",
			ErrTooManyPixels, format, cfg.Width, cfg.Height, px, maxPixels)
	}
	img, err = decode(io.MultiReader(bytes.NewReader(prefix.Bytes()), br))
	if err != nil {
		return nil, classify(format, err)
	}
	if format == "jpeg" && !opts.IgnoreOrientation {
		img = JPEGOrientation(prefix.Bytes()).Apply(img)
	}
	return img, nil
}

// decodeFast decodes the PNG kinds that decodeFastPNG takes, with Decode's
// checks and errors.
func decodeFast(br *bufio.Reader, hd pngIHDR, maxPixels int64) (image.Image, error) {
	if !hd.crcOK {
		return nil, fmt.Errorf("%w: png: IHDR: %v", ErrCorrupt, errPNG("invalid checksum"))
	}
	if px := int64(hd.w) * int64(hd.h); px > maxPixels {
		return nil, fmt.Errorf("%w: png header declares %dx%d = %d pixels, limit %d (raise DecodeOptions.MaxPixels to accept it)",
			ErrTooManyPixels, hd.w, hd.h, px, maxPixels)
	}
	img, err := decodeFastPNG(br, hd)
	if err != nil {
		return nil, classify("png", err)
	}
	return img, nil
}

// classify wraps a decoder error in ErrCorrupt unless it is already one of
// ours (the byte limit) or a read error of the underlying reader.
func classify(format string, err error) error {
	if errors.Is(err, ErrFileTooLarge) {
		return err
	}
	var fe png.FormatError
	var ue png.UnsupportedError
	var je jpeg.FormatError
	var jue jpeg.UnsupportedError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &fe), errors.As(err, &ue), errors.As(err, &je), errors.As(err, &jue):
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, format, err)
	}
	var rerr *readError
	if errors.As(err, &rerr) {
		return rerr.err
	}
	return fmt.Errorf("%w: %s: %v", ErrCorrupt, format, err)
}

// readError marks an error of the caller's reader, so classify does not call
// an I/O failure a corrupt file.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// limitedReader returns ErrFileTooLarge once more than n bytes would be read.
type limitedReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			return 0, fmt.Errorf("%w: more than %d bytes (raise DecodeOptions.MaxBytes to accept it)", ErrFileTooLarge, l.limit)
		}
		return 0, wrapRead(err)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, wrapRead(err)
}

func wrapRead(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &readError{err: err}
}

// DecodeBytes is Decode on an in-memory file.
func DecodeBytes(data []byte, opts DecodeOptions) (image.Image, error) {
	return Decode(bytes.NewReader(data), opts)
}
