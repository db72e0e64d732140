// Package generatortest is the acceptance suite every generator runs (as
// thanos' objstore runs one suite on every bucket): what the pipeline and
// the users rely on, checked the same way for each.
//
//   - Determinism: two jobs with the same seed write the same bytes, file
//     for file, and the same metadata.jsonl.
//   - Concurrency: one Run's Generate, called from many goroutines in two
//     different orders, gives every (class, index) the same bytes.
//   - Parameters: an unknown parameter and the case's known-bad ones are a
//     *generators.ParamError from Validate, with the message naming what
//     is accepted.
//   - Cancellation: a job whose context is cancelled stops with the
//     context's error within a bounded time and leaves no _SUCCESS.
//   - Bad sources: a corrupt file in a class is reported by key in
//     report.json, the job still succeeds, and no metadata row names it as
//     a source.
//
// A generator's test calls Run with a Case: the generator, the kind of
// dataset it reads, parameters small enough for a unit test, and the bad
// parameters with the words their errors must contain.
package generatortest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// Kinds of dataset the suite builds.
const (
	Images = "image" // 16x16 gray PNGs
	Audio  = "audio" // 0.25 s mono 16-bit WAVs at 8 kHz
)

// BadParam is parameters Validate must refuse, and words the error must
// contain (what is accepted, the parameter's name).
type BadParam struct {
	Params string
	Want   []string
}

// Case describes one generator for the suite.
type Case struct {
	// Generator is the generator under test.
	Generator generators.Generator
	// Registry, when set, is used instead of a registry holding only
	// Generator (for generators that run others, such as auto).
	Registry *generators.Registry
	// Kind is Images or Audio.
	Kind string
	// Params are the job parameters for the suite's jobs: keep them small.
	Params string
	// Bad are parameters Validate must refuse (beyond an unknown one,
	// which the suite always tries).
	Bad []BadParam
	// Common and Rare are the readable files per class [12, 6]; the suite
	// adds Rare's missing samples to the rare class (strategy auto).
	Common, Rare int
	// Volatile are metadata.jsonl fields that may differ between two jobs
	// with the same seed (a trained model's id, unique per training).
	Volatile []string
	// CancelWithin bounds how long a cancelled job may take to return
	// [30s].
	CancelWithin time.Duration
}

// Run runs the suite as subtests of t.
func Run(t *testing.T, c Case) {
	t.Helper()
	if c.Common == 0 {
		c.Common = 12
	}
	if c.Rare == 0 {
		c.Rare = 6
	}
	if c.CancelWithin == 0 {
		c.CancelWithin = 30 * time.Second
	}
	name := c.Generator.Info().Name
	t.Run("Params", func(t *testing.T) { testParams(t, c) })
	t.Run("SameSeedSameBytes", func(t *testing.T) {
		e := newEnv(t, c)
		a := e.job(t, "a", 11)
		b := e.job(t, "b", 11)
		if len(a.data) == 0 {
			t.Fatalf("%s wrote no samples", name)
		}
		if len(a.data) != len(b.data) {
			t.Fatalf("same seed: %d and %d samples", len(a.data), len(b.data))
		}
		for k, v := range a.data {
			if !bytes.Equal(v, b.data[k]) {
				t.Fatalf("same seed: %s differs between two jobs", k)
			}
		}
		if err := sameRows(a.metadata, b.metadata, c.Volatile); err != nil {
			t.Errorf("same seed: metadata.jsonl differs between two jobs: %v", err)
		}
	})
	t.Run("ConcurrentGenerate", func(t *testing.T) { testConcurrent(t, c) })
	t.Run("Cancel", func(t *testing.T) { testCancel(t, c) })
	t.Run("BadSources", func(t *testing.T) {
		e := newEnv(t, c)
		bad := e.writeBad(t)
		j := e.job(t, "bad", 5)
		for key := range bad {
			if !strings.Contains(string(j.report), key) {
				t.Errorf("report.json does not name the bad file %s", key)
			}
		}
		for _, row := range bytes.Split(bytes.TrimSpace(j.metadata), []byte("\n")) {
			for key := range bad {
				if bytes.Contains(row, []byte(`"`+key+`"`)) {
					t.Errorf("metadata row names the bad file %s: %s", key, row)
				}
			}
		}
		for k, v := range j.data {
			for key, content := range bad {
				if bytes.Equal(v, content) {
					t.Errorf("sample %s is a copy of the bad file %s", k, key)
				}
			}
		}
	})
}

func testParams(t *testing.T, c Case) {
	g := c.Generator
	name := g.Info().Name
	if err := g.Validate(json.RawMessage(c.Params)); err != nil {
		t.Fatalf("Validate(%s): %v", c.Params, err)
	}
	if err := g.Validate(nil); err != nil {
		t.Errorf("Validate(no params): %v; the defaults must be valid", err)
	}
	bad := append([]BadParam{{Params: `{"no_such_parameter": 1}`, Want: []string{"no_such_parameter"}}}, c.Bad...)
	for _, b := range bad {
		err := g.Validate(json.RawMessage(b.Params))
		var pe *generators.ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%s Validate(%s) = %v, want a *generators.ParamError", name, b.Params, err)
			continue
		}
		for _, w := range b.Want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s Validate(%s) = %q, want it to say %q", name, b.Params, err, w)
			}
		}
	}
	for _, p := range g.Info().Params {
		if p.Description == "" {
			t.Errorf("%s parameter %s has no description", name, p.Name)
		}
	}
}

func testConcurrent(t *testing.T, c Case) {
	e := newEnv(t, c)
	spec := e.spec("conc", 3)
	prep, src, err := e.pipeline().Prepare(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.pipeline().Open(context.Background(), spec.Output)
	if err != nil {
		t.Fatal(err)
	}
	env := &generators.Env{Params: spec.Params, Seed: spec.Seed, Source: src, Dataset: prep.Dataset,
		Train: datasets.ByClass(prep.Dataset.TrainFiles()), Plan: prep.Add, Work: storage.Sub(out, "conc/"+generators.WorkDir),
		Progress: func(string, map[string]any) {}}
	run, err := c.Generator.Start(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	type item struct {
		class string
		i     int
	}
	var items []item
	for class, n := range prep.Add {
		for i := range n {
			items = append(items, item{class, i})
		}
	}
	if len(items) == 0 {
		t.Fatal("the plan asks for no samples")
	}
	gen := func(reverse bool) map[item][]byte {
		out := make(map[item][]byte, len(items))
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := make(chan error, len(items))
		for k := range items {
			it := items[k]
			if reverse {
				it = items[len(items)-1-k]
			}
			wg.Go(func() {
				s, err := run.Generate(context.Background(), it.class, it.i)
				if err != nil {
					errs <- fmt.Errorf("Generate(%s, %d): %w", it.class, it.i, err)
					return
				}
				mu.Lock()
				out[it] = s.Data
				mu.Unlock()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		return out
	}
	a, b := gen(false), gen(true)
	for it, v := range a {
		if !bytes.Equal(v, b[it]) {
			t.Fatalf("Generate(%s, %d) gave other bytes when called concurrently in another order", it.class, it.i)
		}
	}
	if _, err := run.Finish(context.Background()); err != nil {
		t.Errorf("Finish: %v", err)
	}
}

func testCancel(t *testing.T, c Case) {
	e := newEnv(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := e.pipeline().Run(ctx, e.spec("cancel", 1), func(generators.Progress) { once.Do(cancel) })
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled job returned %v, want context.Canceled", err)
		}
	case <-time.After(c.CancelWithin):
		t.Fatalf("a cancelled job still ran after %v", time.Since(start))
	}
	if _, err := os.Stat(filepath.Join(e.root, "out", "cancel", generators.SuccessKey)); err == nil {
		t.Errorf("a cancelled job wrote %s", generators.SuccessKey)
	}
}

// env is one test's dataset and output roots.
type env struct {
	c    Case
	root string
	loc  *locator.Locator
}

func newEnv(t *testing.T, c Case) *env {
	t.Helper()
	root := t.TempDir()
	loc, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{c: c, root: root, loc: loc}
	for class, n := range map[string]int{"common": c.Common, "rare": c.Rare} {
		for i := range n {
			ext, data := e.sample(t, class, i)
			write(t, filepath.Join(root, "ds", class, fmt.Sprintf("%03d%s", i, ext)), data)
		}
	}
	return e
}

func (e *env) dataset() string { return "file://" + filepath.Join(e.root, "ds") }
func (e *env) output() string  { return "file://" + filepath.Join(e.root, "out") }

func (e *env) pipeline() *pipeline.Pipeline {
	reg := e.c.Registry
	if reg == nil {
		reg = generators.NewRegistry()
		if err := reg.Register(e.c.Generator); err != nil {
			panic(err)
		}
	}
	return &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := e.loc.Open(ctx, uri)
		return st, err
	}}
}

func (e *env) spec(id string, seed int64) generators.Spec {
	return generators.Spec{ID: id, Dataset: e.dataset(), Generator: e.c.Generator.Info().Name, Params: json.RawMessage(e.c.Params),
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Seed: seed, Output: e.output(), Quality: generators.QualityOff}
}

// output is what a finished job wrote.
type output struct {
	data     map[string][]byte // by key under data/
	metadata []byte
	report   []byte
}

// job runs a job with seed whose output folder is out<id>/<job> and
// returns what it wrote; every job of one env uses the same job id, so
// metadata rows compare as they are.
func (e *env) job(t *testing.T, dir string, seed int64) *output {
	t.Helper()
	spec := e.spec("job", seed)
	spec.Output = "file://" + filepath.Join(e.root, "out-"+dir)
	if _, err := e.pipeline().Run(context.Background(), spec, func(generators.Progress) {}); err != nil {
		t.Fatalf("job: %v", err)
	}
	base := filepath.Join(e.root, "out-"+dir, "job")
	o := &output{data: map[string][]byte{}}
	err := filepath.WalkDir(filepath.Join(base, generators.DataDir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(base, p)
		o.data[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.metadata, err = os.ReadFile(filepath.Join(base, generators.MetadataKey)); err != nil {
		t.Fatal(err)
	}
	if o.report, err = os.ReadFile(filepath.Join(base, generators.ReportKey)); err != nil {
		t.Fatal(err)
	}
	return o
}

// sample returns a readable file of class: a gray PNG with a class-
// dependent pattern, or a tone of a class-dependent pitch.
func (e *env) sample(t *testing.T, class string, i int) (string, []byte) {
	t.Helper()
	k := 1.0
	if class == "rare" {
		k = 3
	}
	if e.c.Kind == Audio {
		x := make([]float64, 2000)
		f := 200*k + 25*float64(i)
		for n := range x {
			x[n] = 0.5 * math.Sin(2*math.Pi*f*float64(n)/8000)
		}
		var buf bytes.Buffer
		if err := media.WriteWAV(&buf, &media.Audio{SampleRate: 8000, Channels: [][]float64{x}}, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}); err != nil {
			t.Fatal(err)
		}
		return ".wav", buf.Bytes()
	}
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for y := range 16 {
		for x := range 16 {
			v := 128 + 100*math.Sin(k*float64(x+i)/3)*math.Cos(float64(y)/4)
			img.SetGray(x, y, color.Gray{Y: uint8(v)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return ".png", buf.Bytes()
}

// writeBad adds broken files to the rare class and returns them by key
// (relative to the dataset): text with the class's extension, a
// truncated file, an empty one.
func (e *env) writeBad(t *testing.T) map[string][]byte {
	t.Helper()
	ext, good := e.sample(t, "rare", 99)
	bad := map[string][]byte{
		"rare/bad_text" + ext:      []byte("this is not a sample"),
		"rare/bad_truncated" + ext: good[:len(good)/2],
	}
	for k, v := range bad {
		write(t, filepath.Join(e.root, "ds", filepath.FromSlash(k)), v)
	}
	return bad
}

func write(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sameRows compares two metadata.jsonl files row by row, leaving out the
// volatile fields.
func sameRows(a, b []byte, volatile []string) error {
	ra, rb := bytes.Split(bytes.TrimSpace(a), []byte("\n")), bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(ra) != len(rb) {
		return fmt.Errorf("%d and %d rows", len(ra), len(rb))
	}
	for i := range ra {
		var x, y map[string]any
		if err := json.Unmarshal(ra[i], &x); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		if err := json.Unmarshal(rb[i], &y); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		for _, f := range volatile {
			delete(x, f)
			delete(y, f)
		}
		jx, _ := json.Marshal(x)
		jy, _ := json.Marshal(y)
		if !bytes.Equal(jx, jy) {
			return fmt.Errorf("row %d:\n%s\n%s", i, jx, jy)
		}
	}
	return nil
}
