package spectro_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
)

func TestNPYRoundTrip(t *testing.T) {
	s := spectro.NewSpectrogram[float64](3, 5)
	for i := range s.Data {
		s.Data[i] = math.Sqrt(float64(i)) - 1.5
	}
	s.Data[4] = math.Inf(-1)
	var buf bytes.Buffer
	if err := spectro.WriteNPY(&buf, s); err != nil {
		t.Fatal(err)
	}
	if (bytes.Index(buf.Bytes(), []byte("\n")) + 1) != 128 { // header padded to 64-byte alignment
		t.Errorf("data offset %d, want 128", bytes.Index(buf.Bytes(), []byte("\n"))+1)
	}
	back, err := spectro.ReadNPY[float64](bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if back.Bins != 3 || back.Frames != 5 {
		t.Fatalf("shape %dx%d, want 3x5", back.Bins, back.Frames)
	}
	for i, v := range s.Data {
		if math.Float64bits(back.Data[i]) != math.Float64bits(v) {
			t.Fatalf("value %d: got %v, want %v bit for bit", i, back.Data[i], v)
		}
	}
	// float32 file widens to float64; complex64 to complex128.
	s32 := &spectro.Spectrogram[float32]{Bins: 1, Frames: 2, Data: []float32{0.1, -2}}
	buf.Reset()
	spectro.WriteNPY(&buf, s32)
	w, err := spectro.ReadNPY[float64](bytes.NewReader(buf.Bytes()))
	if err != nil || w.Data[0] != float64(float32(0.1)) {
		t.Errorf("f4 into float64: got %v, %v", w, err)
	}
	if _, err := spectro.ReadNPY[float32](bytes.NewReader(mustNPY(t, s))); !errors.Is(err, spectro.ErrUnsupported) {
		t.Errorf("f8 into float32: got %v, want ErrUnsupported (narrowing)", err)
	}
	c := &spectro.Spectrogram[complex64]{Bins: 2, Frames: 1, Data: []complex64{1 + 2i, -3i}}
	buf.Reset()
	spectro.WriteNPY(&buf, c)
	cb, err := spectro.ReadNPY[complex128](&buf)
	if err != nil || cb.Data[1] != -3i {
		t.Errorf("c8 into complex128: got %v, %v", cb, err)
	}
	buf.Reset()
	media.WriteNPYVector(&buf, []float64{1, 2, 3})
	v, err := spectro.ReadNPY[float64](&buf)
	if err != nil || v.Bins != 1 || v.Frames != 3 {
		t.Errorf("1-D: got %+v, %v, want 1x3", v, err)
	}
}

func mustNPY(t *testing.T, s *spectro.Spectrogram[float64]) []byte {
	var buf bytes.Buffer
	if err := spectro.WriteNPY(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func npyWithHeader(dict string, data []byte) []byte {
	h := []byte("\x93NUMPY\x01\x00")
	h = append(h, byte(len(dict)), byte(len(dict)>>8))
	return append(append(h, dict...), data...)
}

func TestReadNPYErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, spectro.ErrTruncated},
		{"magic", []byte("PK\x03\x04zzzzzzzzzz"), spectro.ErrMalformed},
		{"version", []byte("\x93NUMPY\x09\x00\x00\x00"), spectro.ErrUnsupported},
		{"big_endian", npyWithHeader("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 8)), spectro.ErrUnsupported},
		{"int", npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 4)), spectro.ErrUnsupported},
		{"3d", npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }\n", make([]byte, 8)), spectro.ErrUnsupported},
		{"truncated", npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }\n", make([]byte, 20)), spectro.ErrTruncated},
		{"absurd_shape", npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }\n", make([]byte, 8)), spectro.ErrMalformed},
		{"huge_claim", npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }\n", make([]byte, 64)), spectro.ErrTruncated},
		{"not_dict", npyWithHeader("descr\n", nil), spectro.ErrMalformed},
		{"missing_key", npyWithHeader("{'descr': '<f8', 'shape': (1,), }\n", nil), spectro.ErrMalformed},
		{"bad_shape", npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }\n", nil), spectro.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := spectro.ReadNPY[float64](bytes.NewReader(tc.in)); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadNPYFortranOrder(t *testing.T) {
	// numpy.asfortranarray([[1, 2, 3], [4, 5, 6]]) stores 1 4 2 5 3 6.
	var data []byte
	for _, v := range []float64{1, 4, 2, 5, 3, 6} {
		data = append(data, mustNPY(t, &spectro.Spectrogram[float64]{Bins: 1, Frames: 1, Data: []float64{v}})[128:]...)
	}
	s, err := spectro.ReadNPY[float64](bytes.NewReader(npyWithHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n", data)))
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 2, 3, 4, 5, 6}
	for i, w := range want {
		if s.Data[i] != w {
			t.Fatalf("got %v, want %v", s.Data, want)
		}
	}
}

// TestPNG16RoundTrip checks that values come back within half a
// quantisation step, that the scale survives a JSON manifest, and the
// orientation (bin 0 at the bottom row).
func TestPNG16RoundTrip(t *testing.T) {
	st, _ := spectro.NewSTFT(spectro.DefaultConfig(256))
	spec, _ := st.Forward(nil, chirp(3000, 100, 3000, 8000))
	db, _ := spectro.AmplitudeToDB(nil, spectro.Magnitude(nil, spec).Data, spectro.DBConfig{RefMax: true, Amin: 1e-5, TopDB: 80})
	s := &spectro.Spectrogram[float64]{Bins: spec.Bins, Frames: spec.Frames, Data: db}
	var buf bytes.Buffer
	scale, err := spectro.WritePNG16(&buf, s, spectro.PNGOptions{Kind: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if scale.Max != 0 || scale.Min != -80 || scale.Kind != "db" {
		t.Errorf("scale: got %+v, want min -80 max 0 kind db", scale)
	}
	im, err := png.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := im.(*image.Gray16); !ok || g.Bounds().Dx() != s.Frames || g.Bounds().Dy() != s.Bins {
		t.Fatalf("decoded %T %v, want Gray16 %dx%d", im, im.Bounds(), s.Frames, s.Bins)
	}
	js, _ := json.Marshal(scale)
	var manifest spectro.PNGScale
	json.Unmarshal(js, &manifest)
	back, err := spectro.ReadPNG16(bytes.NewReader(buf.Bytes()), manifest)
	if err != nil {
		t.Fatal(err)
	}
	tol := scale.Step()/2 + 1e-12
	for i, v := range s.Data {
		if math.Abs(back.Data[i]-v) > tol {
			t.Fatalf("value %d: got %v, want %v ± %g", i, back.Data[i], v, tol)
		}
	}
	// Orientation: bottom image row is bin 0.
	g := im.(*image.Gray16)
	q := g.Gray16At(5, s.Bins-1).Y
	if want := math.Round((s.At(0, 5) + 80) / 80 * 65535); float64(q) != want {
		t.Errorf("pixel (5, bottom): got %d, want %v from bin 0", q, want)
	}
}

func TestPNG16FixedRangeAndErrors(t *testing.T) {
	s := &spectro.Spectrogram[float64]{Bins: 2, Frames: 2, Data: []float64{-100, -40, 0, 10}}
	var buf bytes.Buffer
	scale, err := spectro.WritePNG16(&buf, s, spectro.PNGOptions{FixedRange: true, Min: -80, Max: 0})
	if err != nil {
		t.Fatal(err)
	}
	back, _ := spectro.ReadPNG16(bytes.NewReader(buf.Bytes()), scale)
	want := []float64{-80, -40, 0, 0} // clipped into [-80, 0]
	if i := closeTo(back.Data, want, 0, scale.Step()); i >= 0 {
		t.Errorf("value %d: got %v, want %v", i, back.Data[i], want[i])
	}
	constant := &spectro.Spectrogram[float64]{Bins: 1, Frames: 3, Data: []float64{2, 2, 2}}
	buf.Reset()
	cs, err := spectro.WritePNG16(&buf, constant, spectro.PNGOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := spectro.ReadPNG16(&buf, cs)
	if cb.Data[2] != 2 {
		t.Errorf("constant: got %v, want 2", cb.Data)
	}
	if _, err := spectro.WritePNG16(&buf, &spectro.Spectrogram[float64]{Bins: 1, Frames: 1, Data: []float64{math.NaN()}}, spectro.PNGOptions{}); !errors.Is(err, spectro.ErrInvalidConfig) {
		t.Errorf("NaN: got %v, want ErrInvalidConfig", err)
	}
	var gray8 bytes.Buffer
	png.Encode(&gray8, image.NewGray(image.Rect(0, 0, 2, 2)))
	if _, err := spectro.ReadPNG16(&gray8, scale); !errors.Is(err, spectro.ErrUnsupported) {
		t.Errorf("8-bit png: got %v, want ErrUnsupported", err)
	}
	if _, err := spectro.ReadPNG16(strings.NewReader("not a png"), scale); !errors.Is(err, spectro.ErrMalformed) {
		t.Errorf("garbage: got %v, want ErrMalformed", err)
	}
}
