package media

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// NPYElem is an element type that .npy files hold for this package:
// little-endian '<f4', '<f8', '<c8' and '<c16'.
type NPYElem interface {
	float32 | float64 | complex64 | complex128
}

var npyMagic = []byte("\x93NUMPY")

// maxNPYHeader bounds the header of version 2/3 files (whose length field
// is 32-bit) so that a corrupt file cannot ask for a huge allocation.
const maxNPYHeader = 1 << 20

func npyDescr[T NPYElem]() (descr string, size int) {
	var z T
	switch any(z).(type) {
	case float32:
		return "<f4", 4
	case float64:
		return "<f8", 8
	case complex64:
		return "<c8", 8
	default:
		return "<c16", 16
	}
}

// NPYArray is the data of a 1-D or 2-D .npy file in row-major (C) order:
// Rows x Cols values, Rows 1 for a 1-D file.
type NPYArray[T NPYElem] struct {
	Rows, Cols int
	Data       []T
}

// WriteNPY writes a as a 2-D NumPy .npy file, format version 1.0, C order,
// shape (Rows, Cols), dtype '<f4', '<f8', '<c8' or '<c16' after T. The
// values are written bit for bit, so [ReadNPY] (or numpy.load) gives them
// back exactly.
func WriteNPY[T NPYElem](w io.Writer, a NPYArray[T]) error {
	if a.Rows < 0 || a.Cols < 0 || len(a.Data) != a.Rows*a.Cols {
		return fmt.Errorf("npy array %dx%d with %d values: want rows*cols values: %w", a.Rows, a.Cols, len(a.Data), ErrInvalidInput)
	}
	return writeNPY(w, fmt.Sprintf("(%d, %d)", a.Rows, a.Cols), a.Data)
}

// WriteNPYVector writes x as a 1-D .npy file of shape (len(x),), for
// waveforms.
func WriteNPYVector[T NPYElem](w io.Writer, x []T) error {
	return writeNPY(w, fmt.Sprintf("(%d,)", len(x)), x)
}

func writeNPY[T NPYElem](w io.Writer, shape string, data []T) error {
	descr, _ := npyDescr[T]()
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	// NumPy pads the header with spaces and a final newline so that the
	// data starts on a multiple of 64 bytes (magic 6 + version 2 + len 2).
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	if len(dict)+pad+1 > math.MaxUint16 {
		return fmt.Errorf("npy header of %d bytes does not fit format 1.0: %w", len(dict), ErrUnsupported)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	hdr := make([]byte, 0, total+pad)
	hdr = append(hdr, npyMagic...)
	hdr = append(hdr, 1, 0)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	hdr = append(hdr, strings.Repeat(" ", pad)...)
	hdr = append(hdr, '\n')
	if _, err := bw.Write(hdr); err != nil {
		return fmt.Errorf("write npy header: %w", err)
	}
	buf := make([]byte, 0, 16)
	for _, v := range data {
		buf = buf[:0]
		switch v := any(v).(type) {
		case float32:
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		case float64:
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		case complex64:
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(real(v)))
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(imag(v)))
		case complex128:
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(real(v)))
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(imag(v)))
		}
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("write npy data: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write npy data: %w", err)
	}
	return nil
}

// NPYHeader is the parsed header of a .npy file.
type NPYHeader struct {
	Descr        string // e.g. "<f8"
	FortranOrder bool
	Shape        []int
}

// ReadNPY reads a 1-D or 2-D .npy file (format 1.0, 2.0 or 3.0). Shape
// (r, c) gives Rows=r, Cols=c; shape (n,) gives Rows=1, Cols=n. Fortran-order files are transposed into row-major order. The
// file's dtype must be T's ('<f4' for float32 and so on) or a narrower one
// of the same kind ('<f4' into float64, '<c8' into complex128), which
// converts exactly. Memory grows with the data actually read, never with the
// size the header claims.
func ReadNPY[T NPYElem](r io.Reader) (*NPYArray[T], error) {
	br := bufio.NewReader(r)
	h, err := readNPYHeader(br)
	if err != nil {
		return nil, err
	}
	want, _ := npyDescr[T]()
	fsize, ok := map[string]int{"<f4": 4, "<f8": 8, "<c8": 8, "<c16": 16}[h.Descr]
	if !ok {
		return nil, fmt.Errorf("npy dtype %q: want '<f4', '<f8', '<c8' or '<c16': %w", h.Descr, ErrUnsupported)
	}
	compatible := h.Descr == want ||
		(h.Descr == "<f4" && want == "<f8") || (h.Descr == "<c8" && want == "<c16")
	if !compatible {
		return nil, fmt.Errorf("npy dtype %q cannot be read into %s (%q): %w", h.Descr, want, want, ErrUnsupported)
	}
	var rows, cols int
	switch len(h.Shape) {
	case 1:
		rows, cols = 1, h.Shape[0]
	case 2:
		rows, cols = h.Shape[0], h.Shape[1]
	default:
		return nil, fmt.Errorf("npy shape %v: want 1 or 2 dimensions: %w", h.Shape, ErrUnsupported)
	}
	if rows != 0 && cols > math.MaxInt/16/rows {
		return nil, fmt.Errorf("npy shape %v is too large: %w", h.Shape, ErrMalformed)
	}
	n := rows * cols
	data := make([]T, 0, min(n, 1<<16))
	chunk := make([]byte, (64<<10)/fsize*fsize)
	for len(data) < n {
		want := min(len(chunk), (n-len(data))*fsize)
		got, err := io.ReadFull(br, chunk[:want])
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("npy data ends after %d of %d values: %w", len(data)+got/fsize, n, ErrTruncated)
			}
			return nil, fmt.Errorf("read npy data: %w", err)
		}
		data = appendDecoded(data, chunk[:got], h.Descr)
	}
	s := &NPYArray[T]{Rows: rows, Cols: cols, Data: data}
	if h.FortranOrder && len(h.Shape) == 2 {
		t := make([]T, n)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				t[i*cols+j] = data[j*rows+i]
			}
		}
		s.Data = t
	}
	return s, nil
}

func appendDecoded[T NPYElem](dst []T, b []byte, descr string) []T {
	le := binary.LittleEndian
	f32 := func(i int) float32 { return math.Float32frombits(le.Uint32(b[i:])) }
	f64 := func(i int) float64 { return math.Float64frombits(le.Uint64(b[i:])) }
	switch d := any(&dst).(type) {
	case *[]float32:
		for i := 0; i < len(b); i += 4 {
			*d = append(*d, f32(i))
		}
	case *[]float64:
		if descr == "<f4" {
			for i := 0; i < len(b); i += 4 {
				*d = append(*d, float64(f32(i)))
			}
		} else {
			for i := 0; i < len(b); i += 8 {
				*d = append(*d, f64(i))
			}
		}
	case *[]complex64:
		for i := 0; i < len(b); i += 8 {
			*d = append(*d, complex(f32(i), f32(i+4)))
		}
	case *[]complex128:
		if descr == "<c8" {
			for i := 0; i < len(b); i += 8 {
				*d = append(*d, complex(float64(f32(i)), float64(f32(i+4))))
			}
		} else {
			for i := 0; i < len(b); i += 16 {
				*d = append(*d, complex(f64(i), f64(i+8)))
			}
		}
	}
	return dst
}

// ReadNPYHeader reads and parses the header of a .npy file, leaving r at
// the first data byte.
func ReadNPYHeader(r io.Reader) (NPYHeader, error) {
	return readNPYHeader(r)
}

func readNPYHeader(r io.Reader) (NPYHeader, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return NPYHeader{}, fmt.Errorf("npy preamble: %w", ErrTruncated)
	}
	if string(pre[:6]) != string(npyMagic) {
		return NPYHeader{}, fmt.Errorf("npy magic %q: want \"\\x93NUMPY\": %w", pre[:6], ErrMalformed)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return NPYHeader{}, fmt.Errorf("npy header length: %w", ErrTruncated)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return NPYHeader{}, fmt.Errorf("npy header length: %w", ErrTruncated)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > maxNPYHeader {
			return NPYHeader{}, fmt.Errorf("npy header of %d bytes: want <= %d: %w", hlen, maxNPYHeader, ErrMalformed)
		}
	default:
		return NPYHeader{}, fmt.Errorf("npy format version %d.%d: want 1.0, 2.0 or 3.0: %w", pre[6], pre[7], ErrUnsupported)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return NPYHeader{}, fmt.Errorf("npy header of %d bytes: %w", hlen, ErrTruncated)
	}
	return parseNPYDict(string(hb))
}

// parseNPYDict parses the Python dict literal of a .npy header, e.g.
// "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }".
func parseNPYDict(s string) (NPYHeader, error) {
	bad := func(why string) (NPYHeader, error) {
		return NPYHeader{}, fmt.Errorf("npy header %q: %s: %w", s, why, ErrMalformed)
	}
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return bad("not a dict literal")
	}
	body := s[1 : len(s)-1]
	var h NPYHeader
	seen := map[string]bool{}
	for {
		body = strings.TrimLeft(body, " ,\t\n")
		if body == "" {
			break
		}
		key, rest, ok := cutQuoted(body)
		if !ok {
			return bad("bad key")
		}
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, ":") {
			return bad("missing ':' after key " + key)
		}
		rest = strings.TrimLeft(rest[1:], " ")
		switch key {
		case "descr":
			v, r2, ok := cutQuoted(rest)
			if !ok {
				return bad("descr is not a string")
			}
			h.Descr, rest = v, r2
		case "fortran_order":
			switch {
			case strings.HasPrefix(rest, "True"):
				h.FortranOrder, rest = true, rest[4:]
			case strings.HasPrefix(rest, "False"):
				h.FortranOrder, rest = false, rest[5:]
			default:
				return bad("fortran_order is not True or False")
			}
		case "shape":
			if !strings.HasPrefix(rest, "(") {
				return bad("shape is not a tuple")
			}
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				return bad("shape tuple not closed")
			}
			h.Shape = []int{}
			for _, f := range strings.Split(rest[1:end], ",") {
				f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "L"))
				if f == "" {
					continue
				}
				d, err := strconv.Atoi(f)
				if err != nil || d < 0 {
					return bad("shape entry " + strconv.Quote(f) + " is not a non-negative integer")
				}
				h.Shape = append(h.Shape, d)
			}
			rest = rest[end+1:]
		default:
			return bad("unknown key " + strconv.Quote(key))
		}
		seen[key] = true
		body = rest
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return bad("want keys descr, fortran_order and shape")
	}
	return h, nil
}

// cutQuoted parses a Python string literal in single or double quotes at
// the start of s (no escapes, which .npy headers do not use).
func cutQuoted(s string) (val, rest string, ok bool) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[end+2:], true
}
