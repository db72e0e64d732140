package evaluate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// imgSize is the side of the test images.
const imgSize = 8

// pattern draws one image of a class: a bright bar through the middle
// whose orientation says the class ("h": a row, "v": a column, "d": the
// diagonal), shifted by -1, 0 or +1 pixel (drawn from rng), on dim noise.
// The classes are linearly separable (template matching).
func pattern(class string, rng *rand.Rand) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, imgSize, imgSize))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(40))
	}
	k := imgSize/2 - 1 + rng.IntN(3)
	for j := range imgSize {
		v := 200 + uint8(rng.IntN(56))
		switch class {
		case "h":
			img.Pix[k*imgSize+j] = v
		case "v":
			img.Pix[j*imgSize+k] = v
		default:
			if x := j + k - imgSize/2; x >= 0 && x < imgSize {
				img.Pix[j*imgSize+x] = v
			}
		}
	}
	return img
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSplit writes n images per class under dir/<split>/<class>/ (or
// dir/<class>/ when split is ""); classes maps a folder name to the
// pattern it draws, so a folder can hold another class's pattern.
func writeSplit(t testing.TB, dir, split string, counts map[string]int, seed uint64) {
	t.Helper()
	for class, n := range counts {
		rng := rand.New(rand.NewPCG(seed, uint64(len(class))*977+uint64(class[0])))
		for i := range n {
			writePNG(t, filepath.Join(dir, split, class, fmt.Sprintf("%s_%03d.png", split, i)), pattern(class, rng))
		}
	}
}

// testPipeline returns a pipeline over local roots with oversample and the
// given generators registered, and the quality hook.
func testPipeline(t testing.TB, hook pipeline.QualityHook, gens []generators.Generator, roots ...string) *pipeline.Pipeline {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	for _, g := range append([]generators.Generator{generators.Oversample{}}, gens...) {
		if err := reg.Register(g); err != nil {
			t.Fatal(err)
		}
	}
	p := &pipeline.Pipeline{Registry: reg, Workers: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Open: func(ctx context.Context, uri string) (storage.Store, error) {
			st, _, err := l.Open(ctx, uri)
			return st, err
		}}
	if hook != nil {
		p.Quality = hook
	}
	return p
}

// runJob runs a job and returns its report.json's quality section and
// report.html.
func runJob(t testing.TB, p *pipeline.Pipeline, spec generators.Spec) (*evaluate.JobQuality, map[string]any, string) {
	t.Helper()
	if spec.ID == "" {
		spec.ID = "job1"
	}
	if _, err := p.Run(context.Background(), spec, func(generators.Progress) {}); err != nil {
		t.Fatalf("job: %v", err)
	}
	out, err := p.Open(context.Background(), spec.Output)
	if err != nil {
		t.Fatal(err)
	}
	st := storage.Sub(out, spec.ID)
	raw := readKey(t, st, generators.ReportKey)
	var report struct {
		Quality json.RawMessage `json:"quality"`
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	var q evaluate.JobQuality
	var m map[string]any
	if err := json.Unmarshal(report.Quality, &q); err != nil {
		t.Fatalf("quality section %s: %v", report.Quality, err)
	}
	_ = json.Unmarshal(report.Quality, &m)
	return &q, m, string(readKey(t, st, generators.ReportHTMLKey))
}

func readKey(t testing.TB, st storage.Store, key string) []byte {
	t.Helper()
	rc, _, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// heldOutCopy is a test generator that "generates" byte-exact copies of
// the dataset's held-out (test) files of the class, in key order: a
// deliberate leak, so that the fidelity figures have known answers.
type heldOutCopy struct{ generators.Oversample }

func (heldOutCopy) Info() generators.Info {
	return generators.Info{Name: "heldoutcopy", Description: "test only: copies held-out files", Kinds: []string{"image"}}
}

func (g heldOutCopy) Start(_ context.Context, env *generators.Env) (generators.Run, error) {
	byClass := map[string][]datasets.File{}
	for _, f := range env.Dataset.Files {
		if f.Split == "test" {
			byClass[f.Class] = append(byClass[f.Class], f)
		}
	}
	return copyRun{env: env, files: byClass}, nil
}

type copyRun struct {
	env   *generators.Env
	files map[string][]datasets.File
}

func (r copyRun) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	list := r.files[class]
	if len(list) == 0 {
		return nil, fmt.Errorf("no held-out files of class %q", class)
	}
	f := list[i%len(list)]
	rc, _, err := r.env.Source.Get(ctx, f.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return &generators.Sample{Data: b, Ext: ".png", ContentType: "image/png", Provenance: map[string]any{"sources": []string{f.Key}}}, nil
}

func (copyRun) Finish(context.Context) (*generators.Extras, error) { return nil, nil }

// fastConfig keeps the test MLP and CNN small and the images at 8x8 (the
// PCA covariance is then 64x64: gonum's eigensolver is slow under -race).
func fastConfig() evaluate.Config {
	c := evaluate.Config{PCAComponents: 16}
	c.MLP.Hidden, c.MLP.Epochs = 16, 15
	c.CNN.Conv1, c.CNN.Conv2, c.CNN.Hidden, c.CNN.Epochs, c.CNN.BatchSize = 4, 8, 16, 6, 16
	c.Features.Size = imgSize
	return c
}

// wrongClass is a test generator known to hurt: every sample it makes for
// any class is an image of ANOTHER class (the pattern of class "h"), so a
// classifier trained with them confuses the rare class with "h".
type wrongClass struct{ generators.Oversample }

func (wrongClass) Info() generators.Info {
	return generators.Info{Name: "wrongclass", Description: "test only: samples of class h labelled as the requested class", Kinds: []string{"image"}}
}

func (wrongClass) Start(_ context.Context, env *generators.Env) (generators.Run, error) {
	return wrongRun{seed: uint64(env.Seed)}, nil
}

type wrongRun struct{ seed uint64 }

func (r wrongRun) Generate(_ context.Context, class string, i int) (*generators.Sample, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, pattern("h", rand.New(rand.NewPCG(r.seed, uint64(i))))); err != nil {
		return nil, err
	}
	return &generators.Sample{Data: buf.Bytes(), Ext: ".png", ContentType: "image/png", Provenance: map[string]any{"drawn_from": "h"}}, nil
}

func (wrongRun) Finish(context.Context) (*generators.Extras, error) { return nil, nil }
