package augmentgen_test

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

	"github.com/tailsynth/tailsynth/augment"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/augmentgen"
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

// dataset builds image datasets on disk.
type dataset struct {
	t    testing.TB
	root string
}

func newDataset(t testing.TB, root string) *dataset { return &dataset{t: t, root: root} }

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

// pattern writes n 20x16 images of kind (gray, gray16, rgb or rgba) under
// dir: an off-centre bright square on a gradient, different per image, so
// flips and shifts change pixels.
func (d *dataset) pattern(dir, kind string, n int) []string {
	d.t.Helper()
	var keys []string
	for i := range n {
		const w, h = 20, 16
		level := func(x, y int) int {
			v := 10 + 6*x + 3*y + 11*i
			if x >= 3+i%5 && x < 9+i%5 && y >= 2 && y < 7 {
				v = 240
			}
			return v % 256
		}
		var img image.Image
		r := image.Rect(0, 0, w, h)
		switch kind {
		case "gray":
			g := image.NewGray(r)
			for y := range h {
				for x := range w {
					g.SetGray(x, y, color.Gray{Y: uint8(level(x, y))})
				}
			}
			img = g
		case "gray16":
			g := image.NewGray16(r)
			for y := range h {
				for x := range w {
					g.SetGray16(x, y, color.Gray16{Y: uint16(level(x, y)*257 + x)})
				}
			}
			img = g
		default:
			m := image.NewNRGBA(r)
			for y := range h {
				for x := range w {
					a := uint8(255)
					if kind == "rgba" {
						a = uint8(60 + 9*x)
					}
					m.SetNRGBA(x, y, color.NRGBA{R: uint8(level(x, y)), G: uint8(200 - 5*y), B: uint8(7 * x), A: a})
				}
			}
			img = m
		}
		key := dir + "/" + kind + string(rune('a'+i)) + ".png"
		d.write(key, encodePNG(d.t, img))
		keys = append(keys, key)
	}
	return keys
}

// bad writes broken files into dir and returns their keys with a word the
// reason must contain.
func (d *dataset) bad(dir string) map[string]string {
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
		dir + "/huge.png":      "pixel limit",
		dir + "/sound.wav":     "not an image",
	}
}

func newPipeline(t testing.TB, root string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := augmentgen.Register(reg); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Workers: 2, Open: func(ctx context.Context, uri string) (storage.Store, error) {
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

// row is a metadata.jsonl row.
type row struct {
	FileName   string            `json:"file_name"`
	Label      string            `json:"label"`
	Sources    []string          `json:"sources"`
	Seed       int64             `json:"seed"`
	Index      int               `json:"index"`
	Preset     string            `json:"preset"`
	Transforms []augment.Applied `json:"transforms"`
	Border     string            `json:"border"`
	Fill       float64           `json:"fill"`
	Size       string            `json:"size"`
}

type genReport struct {
	Preset       string                                `json:"preset"`
	Transforms   []augment.Spec                        `json:"transforms"`
	Border       string                                `json:"border"`
	Size         string                                `json:"size"`
	SourceKinds  map[string]int                        `json:"source_kinds"`
	Classes      map[string]augmentgen.ClassFigures    `json:"classes"`
	BadFiles     []struct{ Key, Class, Reason string } `json:"bad_files"`
	Leakage      *struct{ Statement string }           `json:"leakage_guard"`
	ContactSheet string                                `json:"contact_sheet"`
}

// runJob runs spec (dataset and output under root) and reads its output.
func runJob(t testing.TB, p *pipeline.Pipeline, root string, spec generators.Spec) *job {
	t.Helper()
	spec.Generator = augmentgen.Name
	spec.Output = root + "/out"
	spec.Quality = generators.QualityOff
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
