package gangen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// tinyParams trains for a few steps on 8x8 images with a very small conv
// net: fast enough for -race on a loaded machine.
const tinyParams = `"steps":4,"batch_size":8,"base":4,"z_dim":8,"n_critic":2,"checkpoint_every":2,"grid_per_class":2,"memorization_samples":8`

func writeFile(t testing.TB, root, key string, data []byte) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// imageDataset writes n gray 12x12 images per class under root: class k
// shows a bright square whose position depends on k and the image index.
func imageDataset(t testing.TB, root string, counts map[string]int) {
	t.Helper()
	k := 0
	for _, class := range []string{"common", "rare", "other"} {
		n, ok := counts[class]
		if !ok {
			continue
		}
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 12, 12))
			for y := range 12 {
				for x := range 12 {
					v := uint8(20 + 10*k)
					if x/4 == (i+k)%3 && y/4 == k%3 {
						v = 230
					}
					img.Pix[y*img.Stride+x] = v
				}
			}
			writeFile(t, root, class+"/"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".png", encodePNG(t, img))
		}
		k++
	}
}

// toneDataset writes 0.25 s, 8 kHz, 16-bit mono sine tones: class "low"
// at 500 Hz and class "high" at 2500 Hz, n files each with small
// frequency offsets.
func toneDataset(t testing.TB, root string, low, high int) {
	t.Helper()
	write := func(class string, i int, f float64) {
		x := make([]float64, 2000)
		for j := range x {
			x[j] = 0.5 * math.Sin(2*math.Pi*(f+float64(10*i))*float64(j)/8000)
		}
		var buf bytes.Buffer
		a := &media.Audio{SampleRate: 8000, Channels: [][]float64{x}}
		if err := media.WriteWAV(&buf, a, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}); err != nil {
			t.Fatal(err)
		}
		writeFile(t, root, class+"/t"+string(rune('a'+i))+".wav", buf.Bytes())
	}
	for i := range low {
		write("low", i, 500)
	}
	for i := range high {
		write("high", i, 2500)
	}
}

// env is a test environment: a locator over root (datasets, outputs and
// the model store at root/models) and a pipeline with both generators.
type env struct {
	t    testing.TB
	root string
	loc  *locator.Locator
	p    *pipeline.Pipeline
}

func newEnv(t testing.TB) *env {
	t.Helper()
	root := t.TempDir()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, root: root, loc: l}
	reg := generators.NewRegistry()
	if err := gangen.Register(reg, e.models); err != nil {
		t.Fatal(err)
	}
	e.p = &pipeline.Pipeline{Registry: reg, Workers: 3, Open: e.open}
	return e
}

func (e *env) open(ctx context.Context, uri string) (storage.Store, error) {
	st, _, err := e.loc.Open(ctx, uri)
	return st, err
}

func (e *env) models(ctx context.Context) (storage.Store, error) {
	return e.open(ctx, e.root+"/models")
}

func (e *env) modelStore() *modelstore.Store {
	e.t.Helper()
	st, err := e.models(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return modelstore.New(st)
}

// progressLog records progress reports (concurrency-safe).
type progressLog struct {
	mu   sync.Mutex
	list []generators.Progress
}

func (l *progressLog) add(p generators.Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, p)
}

// stages returns how many reports each stage had.
func (l *progressLog) stages() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, p := range l.list {
		out[p.Stage]++
	}
	return out
}

// job is a finished job's output.
type job struct {
	t      testing.TB
	id     string
	res    *pipeline.Result
	out    storage.Store
	rows   []map[string]any
	gen    map[string]any // report.json's generator_report
	report map[string]any
	prog   *progressLog
}

// run runs a job on dataset (a folder under root) and reads its output.
func (e *env) run(id, gen, dataset, params string, strategy generators.Strategy, seed int64) (*job, error) {
	e.t.Helper()
	spec := generators.Spec{ID: id, Dataset: e.root + "/" + dataset, Generator: gen, Params: json.RawMessage(params),
		Strategy: strategy, Seed: seed, Output: e.root + "/out"}
	prog := &progressLog{}
	res, err := e.p.Run(context.Background(), spec, prog.add)
	if err != nil {
		return nil, err
	}
	out, err := e.open(context.Background(), e.root+"/out/"+id)
	if err != nil {
		e.t.Fatal(err)
	}
	j := &job{t: e.t, id: id, res: res, out: out, prog: prog}
	for _, line := range strings.Split(strings.TrimSpace(string(j.read(generators.MetadataKey))), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			e.t.Fatalf("metadata row %q: %v", line, err)
		}
		j.rows = append(j.rows, r)
	}
	if err := json.Unmarshal(j.read(generators.ReportKey), &j.report); err != nil {
		e.t.Fatal(err)
	}
	j.gen, _ = j.report["generator_report"].(map[string]any)
	return j, nil
}

func (e *env) mustRun(id, gen, dataset, params string, strategy generators.Strategy, seed int64) *job {
	e.t.Helper()
	j, err := e.run(id, gen, dataset, params, strategy, seed)
	if err != nil {
		e.t.Fatalf("job %s: %v", id, err)
	}
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

// data returns the job's sample files by key.
func (j *job) data() map[string][]byte {
	j.t.Helper()
	out := map[string][]byte{}
	for _, k := range storagetest.Keys(j.t, context.Background(), j.out, generators.DataDir+"/", storage.ListOptions{}) {
		out[k] = j.read(k)
	}
	return out
}
