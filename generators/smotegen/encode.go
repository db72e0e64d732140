package smotegen

import (
	"bufio"
	"bytes"
	"image"
	"image/png"
	"math"
	"sync"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/smote"
)

// pngEncoder encodes every image of every job (its buffers are pooled; it
// is safe for concurrent use).
var pngEncoder = media.NewPNGEncoder(png.DefaultCompression)

// interpolate32 is smote's formula on float32 rows, evaluated exactly as
// smote.Generate does (in float64, stored as float32), so the row equals
// the one smote.Generate computed in Start, bit for bit.
func interpolate32(a, b float32, gap float64) float32 {
	return float32(float64(a) + gap*(float64(b)-float64(a)))
}

// imageRow computes SMOTE row p of an image class as pixel levels:
// round(255·v) clamped to 0..255, where v = interpolate32(l_a/255, l_b/255,
// gap) is smote's float32 value from the levels of the two source images.
func imageRow(cl *class, p smote.Provenance, dst []uint8) {
	a := cl.pix[p.Base*cl.dim : (p.Base+1)*cl.dim]
	b := cl.pix[p.Neighbor*cl.dim : (p.Neighbor+1)*cl.dim]
	for j := range dst {
		dst[j] = level(interpolate32(unit[a[j]], unit[b[j]], p.Gap))
	}
}

// level maps v in [0, 1] to a pixel level, rounding half away from zero and
// clamping.
func level(v float32) uint8 {
	return uint8(math.Min(255, math.Max(0, math.Round(float64(v)*255))))
}

// rowImage wraps a row of levels as an image of the job's size and mode
// (opaque NRGBA for rgb).
func (r *run) rowImage(row []uint8) image.Image {
	rect := image.Rect(0, 0, r.size.W, r.size.H)
	if r.gray {
		return &image.Gray{Pix: row, Stride: r.size.W, Rect: rect}
	}
	m := image.NewNRGBA(rect)
	for p := range r.size.W * r.size.H {
		m.Pix[4*p], m.Pix[4*p+1], m.Pix[4*p+2], m.Pix[4*p+3] = row[3*p], row[3*p+1], row[3*p+2], 0xff
	}
	return m
}

func (r *run) encodeImage(cl *class, p smote.Provenance) ([]byte, error) {
	row := make([]uint8, cl.dim)
	imageRow(cl, p, row)
	var buf bytes.Buffer
	if err := pngEncoder.Encode(&buf, r.rowImage(row)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeVector computes SMOTE row p of a vector class and writes it as a
// 1-D .npy file in the job's dtype. '<f4' rows are smote's float32 rows bit
// for bit; '<f8' rows are a + gap·(b − a) evaluated in float64 on the
// float64 inputs (smote's neighbour search and draws, float64 arithmetic).
func (r *run) encodeVector(cl *class, p smote.Provenance) ([]byte, error) {
	var buf bytes.Buffer
	d := cl.dim
	if r.f64 {
		a, b := cl.v64[p.Base*d:(p.Base+1)*d], cl.v64[p.Neighbor*d:(p.Neighbor+1)*d]
		row := make([]float64, d)
		for j := range row {
			row[j] = a[j] + p.Gap*(b[j]-a[j])
		}
		return writeNPY(&buf, row)
	}
	a, b := cl.v32[p.Base*d:(p.Base+1)*d], cl.v32[p.Neighbor*d:(p.Neighbor+1)*d]
	row := make([]float32, d)
	for j := range row {
		row[j] = interpolate32(a[j], b[j], p.Gap)
	}
	return writeNPY(&buf, row)
}

// npyWriters pools the 64 KiB buffered writers media.WriteNPYVector
// would otherwise allocate per call: bufio.NewWriterSize returns a
// *bufio.Writer it is given when that is large enough.
var npyWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

func writeNPY[T float32 | float64](buf *bytes.Buffer, row []T) ([]byte, error) {
	bw := npyWriters.Get().(*bufio.Writer)
	defer npyWriters.Put(bw)
	bw.Reset(buf)
	if err := media.WriteNPYVector(bw, row); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	bw.Reset(nil)
	return buf.Bytes(), nil
}

// dtype is the job's .npy dtype.
func (r *run) dtype() string {
	if r.f64 {
		return "<f8"
	}
	return "<f4"
}
