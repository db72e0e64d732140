package smotegen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/internal/fixtures"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// Shared test fixtures (package internal/fixtures).
var (
	encodePNG     = fixtures.EncodePNG
	pngHeaderOnly = fixtures.PNGHeaderOnly
)

// dataset builds datasets on disk and remembers, for every good image, its
// levels at the job's size (RGB interleaved, or gray) and, for every good
// vector, its values.
type dataset struct {
	t      testing.TB
	root   string
	levels map[string][]uint8
	vecs   map[string][]float64
	next   int
}

func newDataset(t testing.TB, root string) *dataset {
	return &dataset{t: t, root: root, levels: map[string][]uint8{}, vecs: map[string][]float64{}}
}

func (d *dataset) write(key string, data []byte) {
	d.t.Helper()
	p := filepath.Join(d.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dataset) name(dir, ext string) string {
	i := d.next
	d.next++
	return dir + "/" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ext
}

// patterns writes n w x h RGB PNGs under dir, each a different pattern of
// levels (so that neighbours are not all at one distance).
func (d *dataset) patterns(dir string, n, w, h int) []string {
	d.t.Helper()
	var keys []string
	for range n {
		i := d.next
		key := d.name(dir, ".png")
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		lv := make([]uint8, 0, w*h*3)
		for y := range h {
			for x := range w {
				c := [3]uint8{uint8(17*i + 9*x + 3*y), uint8(200 - 11*i + 5*x*y%41), uint8(31*i*i + 7*y)}
				m.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], 0xff})
				lv = append(lv, c[:]...)
			}
		}
		d.levels[key] = lv
		d.write(key, encodePNG(d.t, m))
		keys = append(keys, key)
	}
	return keys
}

// solid writes a w x h solid-colour RGB PNG under dir; levels records it
// at the job's size sw x sh (a constant image resizes to itself).
func (d *dataset) solid(dir string, w, h, sw, sh int, c color.NRGBA) string {
	d.t.Helper()
	key := d.name(dir, ".png")
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < len(m.Pix); p += 4 {
		m.Pix[p], m.Pix[p+1], m.Pix[p+2], m.Pix[p+3] = c.R, c.G, c.B, c.A
	}
	d.levels[key] = bytes.Repeat([]byte{c.R, c.G, c.B}, sw*sh)
	d.write(key, encodePNG(d.t, m))
	return key
}

// grays writes n w x h gray PNGs under dir with patterns.
func (d *dataset) grays(dir string, n, w, h int) {
	d.t.Helper()
	for range n {
		i := d.next
		key := d.name(dir, ".png")
		g := image.NewGray(image.Rect(0, 0, w, h))
		for p := range g.Pix {
			g.Pix[p] = uint8(40*i + 3*p)
		}
		d.levels[key] = bytes.Clone(g.Pix)
		d.write(key, encodePNG(d.t, g))
	}
}

// badImages writes the broken files of a class: truncated pixel data, zero
// bytes, text named .png, a header declaring 50000x50000, and a WAV. It
// returns the keys with a word each reason must contain.
func (d *dataset) badImages(dir string) map[string]string {
	d.t.Helper()
	noise := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for p := range noise.Pix {
		noise.Pix[p] = uint8(p*7919 + p/3)
	}
	full := encodePNG(d.t, noise)
	d.write(dir+"/truncated.png", full[:len(full)/2])
	d.write(dir+"/empty.png", nil)
	d.write(dir+"/text.png", []byte("this is not an image\n"))
	d.write(dir+"/huge.png", pngHeaderOnly(50000, 50000))
	d.write(dir+"/sound.wav", []byte("RIFF"))
	return map[string]string{
		dir + "/truncated.png": "corrupt",
		dir + "/empty.png":     "empty",
		dir + "/text.png":      "unsupported image format",
		dir + "/huge.png":      "max_megapixels",
		dir + "/sound.wav":     "not an image or a .npy vector",
	}
}

// vector writes v as a 1-D .npy file of T under dir.
func vectorFile[T float32 | float64](d *dataset, dir string, v []T) string {
	d.t.Helper()
	key := d.name(dir, ".npy")
	var buf bytes.Buffer
	if err := media.WriteNPYVector(&buf, v); err != nil {
		d.t.Fatal(err)
	}
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	d.vecs[key] = f
	d.write(key, buf.Bytes())
	return key
}

// badVectors writes broken .npy files under dir and returns their keys
// with a word each reason must contain.
func (d *dataset) badVectors(dir string) map[string]string {
	d.t.Helper()
	var buf bytes.Buffer
	if err := media.WriteNPYVector(&buf, []float32{1, 2, 3, 4}); err != nil {
		d.t.Fatal(err)
	}
	good := buf.Bytes()
	d.write(dir+"/truncated.npy", good[:len(good)-6])
	d.write(dir+"/int.npy", bytes.Replace(good, []byte("'<f4'"), []byte("'<i4'"), 1))
	d.write(dir+"/text.npy", []byte("1.0 2.0 3.0\n"))
	d.write(dir+"/empty.npy", nil)
	buf.Reset()
	if err := media.WriteNPY(&buf, media.NPYArray[float32]{Rows: 2, Cols: 2, Data: []float32{1, 2, 3, 4}}); err != nil {
		d.t.Fatal(err)
	}
	d.write(dir+"/matrix.npy", buf.Bytes())
	buf.Reset()
	nan := float32(0)
	nan /= nan
	if err := media.WriteNPYVector(&buf, []float32{1, nan, 3, 4}); err != nil {
		d.t.Fatal(err)
	}
	d.write(dir+"/nan.npy", buf.Bytes())
	return map[string]string{
		dir + "/truncated.npy": "truncated",
		dir + "/int.npy":       `dtype "<i4"`,
		dir + "/text.npy":      "not a .npy file",
		dir + "/empty.npy":     "empty",
		dir + "/matrix.npy":    "1-D",
		dir + "/nan.npy":       "finite",
	}
}

func newPipeline(t testing.TB, root string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := smotegen.Register(reg); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Workers: 4, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}

// job is a finished job's output.
type job struct {
	t    testing.TB
	res  *pipeline.Result
	out  storage.Store
	rows []row
	gen  genReport // report.json's generator_report
}

type row struct {
	FileName string   `json:"file_name"`
	Label    string   `json:"label"`
	Sources  []string `json:"sources"`
	Seed     int64    `json:"seed"`
	Index    int      `json:"index"`
	Smote    struct {
		Gap   float64 `json:"gap"`
		K     int     `json:"k"`
		Size  string  `json:"size"`
		Mode  string  `json:"mode"`
		Dtype string  `json:"dtype"`
		Dim   int     `json:"dim"`
	} `json:"smote"`
}

type genReport struct {
	Input        string                                `json:"input"`
	Size         string                                `json:"size"`
	SizeReason   string                                `json:"size_reason"`
	Mode         string                                `json:"mode"`
	ModeReason   string                                `json:"mode_reason"`
	Resized      int                                   `json:"images_resized"`
	Dtype        string                                `json:"dtype"`
	Classes      map[string]smotegen.ClassFigures      `json:"classes"`
	BadFiles     []struct{ Key, Class, Reason string } `json:"bad_files"`
	ContactSheet string                                `json:"contact_sheet"`
}

// runJob runs spec (dataset and output under root) and reads its output.
func runJob(t testing.TB, p *pipeline.Pipeline, root string, spec generators.Spec) *job {
	t.Helper()
	spec.Generator = smotegen.Name
	spec.Output = root + "/out"
	res, err := p.Run(context.Background(), spec, func(generators.Progress) {})
	if err != nil {
		t.Fatalf("job %s: %v", spec.ID, err)
	}
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := l.Open(context.Background(), root+"/out/"+spec.ID)
	if err != nil {
		t.Fatal(err)
	}
	j := &job{t: t, res: res, out: out}
	for _, line := range strings.Split(strings.TrimSpace(string(j.read(generators.MetadataKey))), "\n") {
		var r row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("metadata row %q: %v", line, err)
		}
		j.rows = append(j.rows, r)
	}
	var wrap struct {
		Gen genReport `json:"generator_report"`
	}
	if err := json.Unmarshal(j.read(generators.ReportKey), &wrap); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	j.gen = wrap.Gen
	return j
}

// runErr runs spec and returns its error.
func runErr(t testing.TB, root string, spec generators.Spec) error {
	t.Helper()
	spec.Generator = smotegen.Name
	spec.Output = root + "/out"
	_, err := newPipeline(t, root).Run(context.Background(), spec, func(generators.Progress) {})
	return err
}

func (j *job) read(key string) []byte {
	j.t.Helper()
	rc, _, err := j.out.Get(context.Background(), key)
	if err != nil {
		j.t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		j.t.Fatal(err)
	}
	return b
}

func (j *job) dataKeys() []string {
	j.t.Helper()
	return storagetest.Keys(j.t, context.Background(), j.out, generators.DataDir+"/", storage.ListOptions{})
}

// levels decodes an output PNG into its levels: gray, or RGB interleaved.
func (j *job) levels(key string) (lv []uint8, gray bool, bounds image.Rectangle) {
	j.t.Helper()
	img, err := png.Decode(bytes.NewReader(j.read(key)))
	if err != nil {
		j.t.Fatalf("%s: %v", key, err)
	}
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok {
		return g.Pix, true, b
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if c.A != 0xff {
				j.t.Fatalf("%s: pixel (%d, %d) has alpha %d, want opaque", key, x, y, c.A)
			}
			lv = append(lv, c.R, c.G, c.B)
		}
	}
	return lv, false, b
}
