package smotegen_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

func TestDeterministic(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.patterns("a", 12, 8, 8)
	ds.patterns("b", 6, 8, 8)
	ds.badImages("b")
	rng := rand.New(rand.NewPCG(5, 6))
	for range 12 {
		vectorFile(ds, "va", to32(randVector(rng, 4, 1)))
	}
	for range 5 {
		vectorFile(ds, "vb", to32(randVector(rng, 4, 1)))
	}
	p := newPipeline(t, root)
	for _, tc := range []struct {
		name  string
		class string
	}{{"images", "b"}, {"vectors", "vb"}} {
		t.Run(tc.name, func(t *testing.T) {
			spec := func(id string, seed int64) generators.Spec {
				return generators.Spec{ID: tc.name + id, Dataset: root + "/ds", Params: []byte(`{"k":3}`),
					Strategy: generators.Strategy{Mode: "add", Add: map[string]int{tc.class: 24}}, Seed: seed}
			}
			a, b, c := runJob(t, p, root, spec("a", 1)), runJob(t, p, root, spec("b", 1)), runJob(t, p, root, spec("c", 2))
			meta := func(j *job) []byte { return j.read(generators.MetadataKey) }
			if !bytes.Equal(meta(a), meta(b)) {
				t.Error("same seed, different metadata.jsonl")
			}
			if bytes.Equal(meta(a), meta(c)) {
				t.Error("different seeds, same metadata.jsonl")
			}
			keys := a.dataKeys()
			if len(keys) != 24 || !slices.Equal(keys, b.dataKeys()) {
				t.Fatalf("data keys %q and %q, want the same 24", keys, b.dataKeys())
			}
			differ := 0
			for _, k := range keys {
				if !bytes.Equal(a.read(k), b.read(k)) {
					t.Errorf("same seed, %s differs", k)
				}
				if !bytes.Equal(a.read(k), c.read(k)) {
					differ++
				}
			}
			if differ == 0 {
				t.Error("different seeds gave byte-identical samples")
			}
		})
	}
}

// TestOtherClassesDoNotMatter checks that a class's samples depend on the
// job seed and its own files only: adding a class to the job leaves them.
func TestOtherClassesDoNotMatter(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.patterns("a", 5, 8, 8)
	ds.patterns("b", 5, 8, 8)
	p := newPipeline(t, root)
	one := runJob(t, p, root, generators.Spec{ID: "one", Dataset: root + "/ds",
		Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"b": 6}}, Seed: 4})
	two := runJob(t, p, root, generators.Spec{ID: "two", Dataset: root + "/ds",
		Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"a": 6, "b": 6}}, Seed: 4})
	for _, k := range one.dataKeys() {
		if !bytes.Equal(one.read(k), two.read(k)) {
			t.Errorf("%s changed when class a was added to the job", k)
		}
	}
}

func TestDatasetErrors(t *testing.T) {
	cases := []struct {
		name  string
		build func(ds *dataset)
		want  []string
	}{
		{"one image", func(ds *dataset) {
			ds.patterns("a", 6, 8, 8)
			ds.patterns("b", 1, 8, 8)
		}, []string{`class "b" has one usable training file`, "b/", `"oversample"`}},
		{"one usable image among bad files", func(ds *dataset) {
			ds.patterns("a", 9, 8, 8)
			ds.patterns("b", 1, 8, 8)
			ds.badImages("b")
		}, []string{`class "b" has one usable training file`, `"oversample"`}},
		{"no usable image", func(ds *dataset) {
			ds.patterns("a", 9, 8, 8)
			ds.badImages("b")
		}, []string{`class "b"`, "none of its 5 training files is a readable image", "b/empty.png: empty"}},
		{"one vector", func(ds *dataset) {
			for range 4 {
				vectorFile(ds, "a", []float32{1, 2})
			}
			vectorFile(ds, "b", []float32{1, 2})
		}, []string{`class "b" has one usable training file`, `"oversample"`}},
		{"images and vectors", func(ds *dataset) {
			ds.patterns("a", 6, 8, 8)
			ds.patterns("b", 2, 8, 8)
			vectorFile(ds, "b", []float32{1, 2})
		}, []string{"2 images and 1 .npy vectors", "one kind of sample per job"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			ds := newDataset(t, root+"/ds")
			c.build(ds)
			for _, params := range []string{`{}`, `{"size":"8x8","mode":"rgb"}`} { // with and without the survey
				err := runErr(t, root, generators.Spec{ID: "e", Dataset: root + "/ds", Params: []byte(params),
					Strategy: generators.Strategy{Mode: "auto"}})
				var de *datasets.DatasetError
				if !errors.As(err, &de) {
					t.Fatalf("params %s: error %v (%T), want a *datasets.DatasetError", params, err, err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("params %s: error %q does not contain %q", params, err, w)
					}
				}
			}
		})
	}
}

// TestBadFilesWithoutSurvey checks that bad files are excluded and
// reported when size and mode are given (no first pass).
func TestBadFilesWithoutSurvey(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.patterns("a", 10, 8, 8)
	rare := ds.patterns("b", 4, 8, 8)
	wantBad := ds.badImages("b")
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "n", Dataset: root + "/ds",
		Params: []byte(`{"size":"8x8","mode":"rgb","k":2}`), Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"b": 10}}, Seed: 2})
	if len(j.gen.BadFiles) != len(wantBad) {
		t.Errorf("bad_files %+v, want %d", j.gen.BadFiles, len(wantBad))
	}
	for _, b := range j.gen.BadFiles {
		if want, ok := wantBad[b.Key]; !ok || !strings.Contains(b.Reason, want) {
			t.Errorf("bad file %+v: want a reason containing %q", b, want)
		}
	}
	for _, r := range j.rows {
		if !slices.Contains(rare, r.Sources[0]) || !slices.Contains(rare, r.Sources[1]) {
			t.Fatalf("row %+v uses a file outside the good images of b", r)
		}
		checkConvex(t, j, ds, r, 8, 8, false)
	}
}

// failingStore fails Get for one key with an I/O error.
type failingStore struct {
	storage.Store
	key string
}

var errIO = errors.New("connection reset by peer")

func (s failingStore) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	if key == s.key {
		return nil, storage.ObjectInfo{}, errIO
	}
	return s.Store.Get(ctx, key)
}

// env builds a generator Env over the dataset at dir, as the pipeline does.
func env(t testing.TB, dir string, plan map[string]int) *generators.Env {
	t.Helper()
	st, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &generators.Env{Seed: 1, Source: st, Dataset: d, Train: datasets.ByClass(d.TrainFiles()), Plan: plan}
}

// TestStorageErrorFailsJob checks that an I/O error is not mistaken for a
// bad file: the job fails (and can be retried) instead of dropping files.
func TestStorageErrorFailsJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root)
	keys := ds.patterns("a", 4, 8, 8)
	vec := vectorFile(ds, "v", []float32{1, 2})
	vectorFile(ds, "v", []float32{3, 4})
	for _, tc := range []struct{ class, key string }{{"a", keys[1]}, {"v", vec}} {
		e := env(t, root, map[string]int{tc.class: 2})
		e.Source = failingStore{Store: e.Source, key: tc.key}
		_, err := smotegen.Generator{}.Start(context.Background(), e)
		if !errors.Is(err, errIO) || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("Start = %v, want the I/O error naming %s", err, tc.key)
		}
	}
}

// TestStartRefusesHeldOutFiles checks the generator's own leakage guard,
// behind the pipeline's: a file of another split in Env.Train is refused.
func TestStartRefusesHeldOutFiles(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root)
	ds.patterns("train/a", 3, 8, 8)
	ds.patterns("test/a", 1, 8, 8)
	e := env(t, root, map[string]int{"a": 2})
	e.Train = datasets.ByClass(e.Dataset.Files) // wrong: includes test/
	_, err := smotegen.Generator{}.Start(context.Background(), e)
	if err == nil || !strings.Contains(err.Error(), "leakage guard") || !strings.Contains(err.Error(), "test/a/") {
		t.Fatalf("Start = %v, want a leakage guard error naming the test file", err)
	}
	e.Train = datasets.ByClass(e.Dataset.TrainFiles())
	if _, err := (smotegen.Generator{}).Start(context.Background(), e); err != nil {
		t.Fatalf("Start on the training split: %v", err)
	}
}

func TestCancelled(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root)
	ds.patterns("a", 4, 8, 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (smotegen.Generator{}).Start(ctx, env(t, root, map[string]int{"a": 2})); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start on a cancelled context = %v, want context.Canceled", err)
	}
}
