package compositegen_test

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
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/internal/fixtures"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// Shared test fixtures (package internal/fixtures).
var (
	encodePNG     = fixtures.EncodePNG
	pngHeaderOnly = fixtures.PNGHeaderOnly
)

// dataset builds image datasets on disk and remembers the colour of every
// solid-colour image it wrote, by key relative to the dataset root.
type dataset struct {
	t      testing.TB
	root   string
	colors map[string]color.NRGBA
	next   int
}

func newDataset(t testing.TB, root string) *dataset {
	return &dataset{t: t, root: root, colors: map[string]color.NRGBA{}}
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

// solid writes n 16x12 solid-colour RGB PNGs under dir, each of a colour no
// other image of the dataset has (channels at least 5 levels apart).
func (d *dataset) solid(dir string, n int) {
	d.t.Helper()
	for range n {
		i := d.next
		d.next++
		c := color.NRGBA{R: uint8(20 + 5*(i%40)), G: uint8(200 - 5*(i/40%30)), B: uint8(10 + 7*(i%30)), A: 0xff}
		key := dir + "/" + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + ".png"
		d.colors[key] = c
		d.write(key, encodePNG(d.t, uniform(16, 12, c)))
	}
}

// gray writes n 16x12 solid gray PNGs under dir.
func (d *dataset) gray(dir string, n int) {
	d.t.Helper()
	for i := range n {
		g := image.NewGray(image.Rect(0, 0, 16, 12))
		for p := range g.Pix {
			g.Pix[p] = uint8(30 + 40*i)
		}
		d.write(dir+"/g"+string(rune('a'+i))+".png", encodePNG(d.t, g))
	}
}

// bad writes the broken files of a class: truncated pixel data, zero bytes,
// text named .png, a header declaring 50000x50000, and a WAV in an image
// class. It returns the keys with a word each reason must contain.
func (d *dataset) bad(dir string) map[string]string {
	d.t.Helper()
	noise := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for p := range noise.Pix {
		noise.Pix[p] = uint8(p*7919 + p/3)
	}
	full := encodePNG(d.t, noise)
	want := map[string]string{
		dir + "/truncated.png": "corrupt",
		dir + "/empty.png":     "empty",
		dir + "/text.png":      "unsupported image format",
		dir + "/huge.png":      "pixel limit",
		dir + "/sound.wav":     "not an image",
	}
	d.write(dir+"/truncated.png", full[:len(full)/2])
	d.write(dir+"/empty.png", nil)
	d.write(dir+"/text.png", []byte("this is not an image\n"))
	d.write(dir+"/huge.png", pngHeaderOnly(50000, 50000))
	d.write(dir+"/sound.wav", []byte("RIFF"))
	return want
}

func uniform(w, h int, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < len(m.Pix); p += 4 {
		m.Pix[p], m.Pix[p+1], m.Pix[p+2], m.Pix[p+3] = c.R, c.G, c.B, c.A
	}
	return m
}

func newPipeline(t testing.TB, root string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := compositegen.Register(reg); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Workers: 4, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}

// job is a finished job's output.
type job struct {
	t      testing.TB
	res    *pipeline.Result
	out    storage.Store
	rows   []row
	report map[string]any // report.json
	gen    genReport      // report.json's generator_report
}

type row struct {
	FileName  string   `json:"file_name"`
	Label     string   `json:"label"`
	Sources   []string `json:"sources"`
	Seed      int64    `json:"seed"`
	Index     int      `json:"index"`
	Composite struct {
		Layout   string `json:"layout"`
		Mode     string `json:"mode"`
		Cycle    int    `json:"cycle"`
		Repeated bool   `json:"repeated"`
		Augment  []any  `json:"augment"`
	} `json:"composite"`
}

type genReport struct {
	Layout   string                                `json:"layout"`
	Size     string                                `json:"size"`
	Mode     string                                `json:"mode"`
	Classes  map[string]compositegen.ClassFigures  `json:"classes"`
	BadFiles []struct{ Key, Class, Reason string } `json:"bad_files"`
	Leakage  *struct {
		Statement string `json:"statement"`
		HeldOut   int    `json:"held_out_files_not_read"`
	} `json:"leakage_guard"`
	Cache        map[string]int64 `json:"cache"`
	ContactSheet string           `json:"contact_sheet"`
}

// runJob runs spec (dataset and output under root) and reads its output.
func runJob(t testing.TB, p *pipeline.Pipeline, root string, spec generators.Spec) *job {
	t.Helper()
	spec.Generator = compositegen.Name
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
	rb := j.read(generators.ReportKey)
	if err := json.Unmarshal(rb, &j.report); err != nil {
		t.Fatal(err)
	}
	var wrap struct {
		Gen genReport `json:"generator_report"`
	}
	if err := json.Unmarshal(rb, &wrap); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	j.gen = wrap.Gen
	return j
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

func (j *job) decode(key string) image.Image {
	j.t.Helper()
	img, err := png.Decode(bytes.NewReader(j.read(key)))
	if err != nil {
		j.t.Fatalf("%s: %v", key, err)
	}
	return img
}
