package compositegen_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/composite"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// pixelTol is the largest per-channel difference accepted between a tile
// and its solid-colour source: resampling a constant image gives the
// constant up to one level of rounding.
const pixelTol = 1

// checkTiles verifies that every tile band of a 3x1 composite is, pixel
// for pixel, the colour of the source its row names (so also of its class).
func checkTiles(t *testing.T, j *job, ds *dataset, r row, size media.Size) {
	t.Helper()
	img := j.decode(r.FileName)
	if img.Bounds() != image.Rect(0, 0, size.W, size.H) {
		t.Fatalf("%s: bounds %v, want %v", r.FileName, img.Bounds(), size)
	}
	layout := composite.Layout{Rows: 3, Cols: 1}
	for tile, src := range r.Sources {
		want, ok := ds.colors[src]
		if !ok {
			t.Fatalf("%s tile %d: source %s is not a good image of the dataset", r.FileName, tile, src)
		}
		rect := layout.TileRect(size, tile)
		worst := 0
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			for x := rect.Min.X; x < rect.Max.X; x++ {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				for _, d := range []int{int(c.R) - int(want.R), int(c.G) - int(want.G), int(c.B) - int(want.B), int(c.A) - 0xff} {
					worst = max(worst, d, -d)
				}
			}
		}
		if worst > pixelTol {
			t.Errorf("%s tile %d %v: differs from source %s %v by up to %d levels, want <= %d", r.FileName, tile, rect, src, want, worst, pixelTol)
		}
	}
}

func TestJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("common", 24)
	ds.solid("rare", 6)
	wantBad := ds.bad("rare")
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "j", Dataset: root + "/ds",
		Params: []byte(`{"layout":"3x1","size":64}`), Strategy: generators.Strategy{Mode: "auto"}, Seed: 7})

	// auto: rare (6 good + 5 bad files = 11) is brought up to common's 24.
	if j.res.Files != 13 || j.res.Added["rare"] != 13 || j.res.Added["common"] != 0 {
		t.Fatalf("result %+v, want 13 rare composites", j.res)
	}
	if keys := j.dataKeys(); len(keys) != 13 || len(j.rows) != 13 {
		t.Fatalf("%d data files, %d metadata rows, want 13 each", len(keys), len(j.rows))
	}
	size := media.Size{W: 64, H: 64}
	for i, r := range j.rows {
		if r.Label != "rare" || r.Index != i || r.Seed != 7 || len(r.Sources) != 3 ||
			r.Composite.Layout != "3x1" || r.Composite.Mode != "rgb" || r.Composite.Cycle != 0 || r.Composite.Repeated {
			t.Errorf("row %d: %+v", i, r)
		}
		for _, s := range r.Sources {
			if !strings.HasPrefix(s, "rare/") {
				t.Errorf("row %d: source %s is not of class rare", i, s)
			}
			if _, isBad := wantBad[s]; isBad {
				t.Errorf("row %d uses the bad file %s", i, s)
			}
		}
		checkTiles(t, j, ds, r, size)
	}

	// Every bad file is reported once, with its reason.
	if len(j.gen.BadFiles) != len(wantBad) {
		t.Errorf("bad_files %+v, want %d entries", j.gen.BadFiles, len(wantBad))
	}
	for _, b := range j.gen.BadFiles {
		if want, ok := wantBad[b.Key]; !ok || b.Class != "rare" || !strings.Contains(b.Reason, want) {
			t.Errorf("bad file %+v: want class rare and a reason containing %q", b, want)
		}
	}
	got := j.gen.Classes["rare"]
	want := compositegen.ClassFigures{Requested: 13, ImagesUsed: 6, ImagesExcluded: 5, SourcesInComposites: 6,
		DistinctTuples: "20", Exhausted: false, Repeated: false, MaxCycle: 0}
	if got != want {
		t.Errorf("report for rare: got %+v, want %+v", got, want)
	}
	if _, ok := j.gen.Classes["common"]; ok {
		t.Error("report has an entry for common, which got no composites")
	}
	if j.gen.Layout != "3x1" || j.gen.Size != "64x64" || j.gen.Mode != "rgb" || j.gen.Leakage != nil {
		t.Errorf("report layout %q size %q mode %q leakage %v", j.gen.Layout, j.gen.Size, j.gen.Mode, j.gen.Leakage)
	}
	// Start decoded each of the 6 good images once; 13 composites and the
	// sheet then hit the cache.
	if c := j.gen.Cache; c["misses"] == 0 || c["hits"] == 0 || c["evictions"] != 0 {
		t.Errorf("cache stats %v: want misses, hits and no evictions", c)
	}

	// The contact sheet decodes and has one row of 8 composites for rare.
	if j.gen.ContactSheet != compositegen.ContactSheetKey {
		t.Errorf("report contact_sheet %q", j.gen.ContactSheet)
	}
	sheet, err := png.Decode(bytes.NewReader(j.read(compositegen.ContactSheetKey)))
	if err != nil {
		t.Fatalf("contact sheet: %v", err)
	}
	if b := sheet.Bounds(); b.Dx() < 8*64 || b.Dy() < 64 || b.Dy() > 2*64 {
		t.Errorf("contact sheet is %v, want one row of eight 64-pixel cells", b)
	}
}

func TestDeterministic(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("a", 20)
	ds.solid("b", 7)
	ds.bad("b")
	p := newPipeline(t, root)
	spec := func(id string, seed int64) generators.Spec {
		return generators.Spec{ID: id, Dataset: root + "/ds", Params: []byte(`{"layout":"3x1","size":64,"augment":{"flip_h":0.5,"brightness":10}}`),
			Strategy: generators.Strategy{Mode: "auto"}, Seed: seed}
	}
	a, b, c := runJob(t, p, root, spec("a", 1)), runJob(t, p, root, spec("b", 1)), runJob(t, p, root, spec("c", 2))
	if !bytes.Equal(a.read(generators.MetadataKey), b.read(generators.MetadataKey)) {
		t.Error("same seed, different metadata.jsonl")
	}
	if bytes.Equal(a.read(generators.MetadataKey), c.read(generators.MetadataKey)) {
		t.Error("different seeds, same metadata.jsonl")
	}
	keys := a.dataKeys()
	if len(keys) != 8 || !slices.Equal(keys, b.dataKeys()) {
		t.Fatalf("data keys %q and %q, want the same 8", keys, b.dataKeys())
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
		t.Error("different seeds gave byte-identical composites")
	}
	if len(a.rows[0].Composite.Augment) != 3 {
		t.Errorf("row augment %v, want one entry per tile", a.rows[0].Composite.Augment)
	}
}

func TestExhausted(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("a", 10)
	ds.solid("b", 6)
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "x", Dataset: root + "/ds",
		Params:   []byte(`{"size":"64x64"}`),
		Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"b": 25}}, Seed: 3})
	// C(6,3) = 20 distinct sets: the first 20 composites are distinct sets,
	// the last 5 repeat one (cycle 1).
	got := j.gen.Classes["b"]
	if !got.Exhausted || got.DistinctTuples != "20" || got.Requested != 25 || got.MaxCycle != 1 {
		t.Errorf("report for b: %+v, want exhausted, 20 distinct, max_cycle 1", got)
	}
	seen := map[string]bool{}
	for i, r := range j.rows {
		set := slices.Clone(r.Sources)
		slices.Sort(set)
		k := strings.Join(set, ",")
		if wantCycle := i / 20; r.Composite.Cycle != wantCycle {
			t.Errorf("row %d: cycle %d, want %d", i, r.Composite.Cycle, wantCycle)
		}
		if i < 20 && seen[k] {
			t.Errorf("row %d repeats the set %s before the 20 distinct sets are used", i, k)
		}
		seen[k] = true
		checkTiles(t, j, ds, r, media.Size{W: 64, H: 64})
	}
	if len(seen) != 20 {
		t.Errorf("%d distinct sets, want 20", len(seen))
	}
}

func TestLeakageGuard(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("train/a", 8)
	ds.solid("train/b", 3)
	ds.solid("test/a", 3)
	ds.solid("test/b", 3)
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "s", Dataset: root + "/ds",
		Params: []byte(`{"size":64}`), Strategy: generators.Strategy{Mode: "auto"}, Seed: 5})
	if len(j.rows) != 5 {
		t.Fatalf("%d rows, want 5 (train counts 8 and 3)", len(j.rows))
	}
	for _, r := range j.rows {
		for _, s := range r.Sources {
			if !strings.HasPrefix(s, "train/b/") {
				t.Errorf("%s uses %s: want train/b/ sources only", r.FileName, s)
			}
		}
		checkTiles(t, j, ds, r, media.Size{W: 64, H: 64})
	}
	if j.gen.Leakage == nil || j.gen.Leakage.HeldOut != 6 || !strings.Contains(j.gen.Leakage.Statement, "training") {
		t.Errorf("report leakage_guard %+v, want the statement and 6 held-out files", j.gen.Leakage)
	}
	if got := j.gen.Classes["b"]; got.ImagesUsed != 3 || got.DistinctTuples != "1" || !got.Exhausted {
		t.Errorf("report for b %+v: want 3 images, 1 distinct set, exhausted", got)
	}
}

// TestModeWholeJob checks that auto picks one colour mode for the whole
// job: a gray class and a colour class in one job both come out RGB, and a
// gray-only job comes out gray.
func TestModeWholeJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("big", 10)
	ds.gray("g", 4)
	ds.solid("c", 4)
	p := newPipeline(t, root)
	models := func(j *job) map[string]bool {
		m := map[string]bool{}
		for _, r := range j.rows {
			cfg, err := png.DecodeConfig(bytes.NewReader(j.read(r.FileName)))
			if err != nil {
				t.Fatal(err)
			}
			switch cfg.ColorModel {
			case color.GrayModel:
				m["gray"] = true
			case color.RGBAModel, color.NRGBAModel:
				m["rgb"] = true
			default:
				m["other"] = true
			}
		}
		return m
	}
	mixed := runJob(t, p, root, generators.Spec{ID: "mixed", Dataset: root + "/ds", Params: []byte(`{"size":32}`),
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 1})
	if got := models(mixed); len(mixed.rows) != 12 || !got["rgb"] || len(got) != 1 || mixed.gen.Mode != "rgb" {
		t.Errorf("mixed job: %d rows, colour models %v, mode %q; want 12 RGB", len(mixed.rows), got, mixed.gen.Mode)
	}
	gray := runJob(t, p, root, generators.Spec{ID: "gray", Dataset: root + "/ds", Params: []byte(`{"size":32}`),
		Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"g": 3}}, Seed: 1})
	if got := models(gray); len(gray.rows) != 3 || !got["gray"] || len(got) != 1 || gray.gen.Mode != "gray" {
		t.Errorf("gray job: %d rows, colour models %v, mode %q; want 3 gray", len(gray.rows), got, gray.gen.Mode)
	}
}

func TestClassWithoutImages(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("a", 8)
	ds.bad("b")
	p := newPipeline(t, root)
	_, err := p.Run(context.Background(), generators.Spec{ID: "e", Dataset: root + "/ds", Generator: "composite",
		Strategy: generators.Strategy{Mode: "auto"}, Output: root + "/out"}, func(generators.Progress) {})
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `class "b"`) || !strings.Contains(err.Error(), "b/empty.png") {
		t.Fatalf("error %v, want a DatasetError naming class b and its bad files", err)
	}
}

func TestMaxFileSize(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.solid("a", 8)
	ds.solid("b", 3)
	ds.write("b/big.png", append(pngHeaderOnly(16, 16), make([]byte, 1<<20)...))
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "m", Dataset: root + "/ds",
		Params: []byte(`{"size":32,"max_file_mib":1}`), Strategy: generators.Strategy{Mode: "auto"}, Seed: 1})
	if len(j.gen.BadFiles) != 1 || j.gen.BadFiles[0].Key != "b/big.png" || !strings.Contains(j.gen.BadFiles[0].Reason, "byte limit") {
		t.Errorf("bad_files %+v, want b/big.png over the byte limit", j.gen.BadFiles)
	}
	if len(j.rows) != 4 {
		t.Errorf("%d rows, want 4", len(j.rows))
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
	return &generators.Env{Params: []byte(`{"size":32}`), Seed: 1, Source: st, Dataset: d,
		Train: datasets.ByClass(d.TrainFiles()), Plan: plan}
}

// TestStorageErrorFailsJob checks that an I/O error is not mistaken for a
// bad file: the job fails (and can be retried) instead of dropping images.
func TestStorageErrorFailsJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root)
	ds.solid("a", 4)
	e := env(t, root, map[string]int{"a": 2})
	e.Source = failingStore{Store: e.Source, key: "a/b.png"}
	_, err := compositegen.Generator{}.Start(context.Background(), e)
	if !errors.Is(err, errIO) || !strings.Contains(err.Error(), "a/b.png") {
		t.Fatalf("Start = %v, want the I/O error naming a/b.png", err)
	}
}

// TestStartRefusesHeldOutFiles checks the generator's own leakage guard,
// behind the pipeline's: a file of another split in Env.Train is refused.
func TestStartRefusesHeldOutFiles(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root)
	ds.solid("train/a", 3)
	ds.solid("test/a", 1)
	e := env(t, root, map[string]int{"a": 2})
	e.Train = datasets.ByClass(e.Dataset.Files) // wrong: includes test/
	_, err := compositegen.Generator{}.Start(context.Background(), e)
	if err == nil || !strings.Contains(err.Error(), "leakage guard") || !strings.Contains(err.Error(), "test/a/") {
		t.Fatalf("Start = %v, want a leakage guard error naming the test file", err)
	}
	e.Train = datasets.ByClass(e.Dataset.TrainFiles())
	if _, err := (compositegen.Generator{}).Start(context.Background(), e); err != nil {
		t.Fatalf("Start on the training split: %v", err)
	}
}
