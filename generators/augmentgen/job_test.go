package augmentgen_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/augment"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

func TestJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("common", "rgb", 20)
	good := ds.pattern("rare", "rgb", 6)
	wantBad := ds.bad("rare")
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "j", Dataset: root + "/ds",
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 7})

	// auto: rare (6 good + 5 bad files = 11) is brought up to common's 20.
	if j.res.Files != 9 || j.res.Added["rare"] != 9 || j.res.Added["common"] != 0 {
		t.Fatalf("result %+v, want 9 rare samples", j.res)
	}
	if keys := j.dataKeys(); len(keys) != 9 || len(j.rows) != 9 {
		t.Fatalf("%d data files, %d metadata rows, want 9 each", len(keys), len(j.rows))
	}
	fired := 0
	for i, r := range j.rows {
		if r.Label != "rare" || r.Index != i || r.Seed != 7 || len(r.Sources) != 1 || r.Preset != "light" || r.Border != "reflect" {
			t.Errorf("row %d: %+v", i, r)
		}
		if !slices.Contains(good, r.Sources[0]) {
			t.Errorf("row %d: source %s is not a good image of class rare", i, r.Sources[0])
		}
		if r.Transforms == nil {
			t.Errorf("row %d: transforms missing (want a list, [] when none fired)", i)
		}
		fired += len(r.Transforms)
		if img := j.decode(r.FileName); img.Bounds() != image.Rect(0, 0, 20, 16) {
			t.Errorf("row %d: %v, want the source's 20x16", i, img.Bounds())
		}
	}
	if fired == 0 {
		t.Error("no transform fired on 9 samples of the light preset")
	}
	if len(j.gen.BadFiles) != len(wantBad) {
		t.Errorf("bad_files %+v, want %d entries", j.gen.BadFiles, len(wantBad))
	}
	for _, b := range j.gen.BadFiles {
		if want, ok := wantBad[b.Key]; !ok || b.Class != "rare" || !strings.Contains(b.Reason, want) {
			t.Errorf("bad file %+v: want class rare and a reason containing %q", b, want)
		}
	}
	f := j.gen.Classes["rare"]
	if f.Requested != 9 || f.ImagesUsed != 6 || f.ImagesExcluded != 5 || f.SourcesUsed < 1 || f.SourcesUsed > 6 {
		t.Errorf("report for rare: %+v", f)
	}
	n := f.Unchanged
	for _, c := range f.Fired {
		n += c
	}
	if n < 9 {
		t.Errorf("fired %v + unchanged %d count fewer than the 9 samples", f.Fired, f.Unchanged)
	}
	if _, ok := j.gen.Classes["common"]; ok {
		t.Error("report has an entry for common, which got no samples")
	}
	if j.gen.Preset != "light" || len(j.gen.Transforms) != 3 || j.gen.Size != "source" || j.gen.SourceKinds["rgb"] != 6 {
		t.Errorf("report preset %q transforms %v size %q kinds %v", j.gen.Preset, j.gen.Transforms, j.gen.Size, j.gen.SourceKinds)
	}
	if j.gen.ContactSheet != "__report/contact_sheet.png" {
		t.Fatalf("contact_sheet %q", j.gen.ContactSheet)
	}
	sheet := j.decode("__report/contact_sheet.png")
	if b := sheet.Bounds(); b.Dx() < 16*64 {
		t.Errorf("contact sheet %v: want room for 8 pairs of 64-pixel thumbnails", b)
	}
}

// TestReproduce applies each row's transforms to its source file and
// checks that the result encodes to the very bytes of the sample.
func TestReproduce(t *testing.T) {
	cases := []struct {
		name, params, kind string
	}{
		{"strong rgb constant border", `{"preset":"strong","border":"constant","fill":0.5}`, "rgb"},
		{"medium gray resized", `{"preset":"medium","size":"24x20"}`, "gray"},
		{"light half copies", `{"preset":"light","p":0.5}`, "gray"},
		{"strong gray16", `{"preset":"strong"}`, "gray16"},
		{"strong rgba", `{"preset":"strong","png_level":"speed"}`, "rgba"},
		{"custom list", `{"transforms":[{"name":"VerticalFlip","p":1},{"name":"ElasticTransform","p":1,"alpha":10,"sigma":2},
			{"name":"CoarseDropout","p":1,"num_holes_range":[2,3],"fill":1},{"name":"GaussNoise","p":1}],"png_level":"best"}`, "rgb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			ds := newDataset(t, root+"/ds")
			ds.pattern("a", c.kind, 12)
			ds.pattern("b", c.kind, 4)
			j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "r", Dataset: root + "/ds",
				Params: []byte(c.params), Strategy: generators.Strategy{Mode: "auto"}, Seed: 99})
			cfg := struct {
				level png.CompressionLevel
			}{png.DefaultCompression}
			if strings.Contains(c.params, "speed") {
				cfg.level = png.BestSpeed
			} else if strings.Contains(c.params, "best") {
				cfg.level = png.BestCompression
			}
			enc := media.NewEncoder(cfg.level)
			for _, r := range j.rows {
				data, err := os.ReadFile(filepath.Join(root, "ds", filepath.FromSlash(r.Sources[0])))
				if err != nil {
					t.Fatal(err)
				}
				src, err := media.DecodeBytes(data, media.DecodeOptions{})
				if err != nil {
					t.Fatal(err)
				}
				o := augment.Options{Border: augment.Border(r.Border), Fill: r.Fill}
				if r.Size != "" {
					sz, err := media.ParseSize(r.Size)
					if err != nil {
						t.Fatal(err)
					}
					o.W, o.H = sz.W, sz.H
				}
				out, err := augment.Apply(augment.FromImage(src), r.Transforms, o)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := enc.Encode(&buf, out.Image()); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), j.read(r.FileName)) {
					t.Errorf("%s: applying its row's transforms %+v to %s does not give the sample's bytes", r.FileName, r.Transforms, r.Sources[0])
				}
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("a", "rgb", 10)
	ds.pattern("b", "rgb", 3)
	p := newPipeline(t, root)
	params := []byte(`{"preset":"strong"}`)
	one := runJob(t, p, root, generators.Spec{ID: "one", Dataset: root + "/ds", Params: params, Strategy: generators.Strategy{Mode: "auto"}, Seed: 5})
	two := runJob(t, p, root, generators.Spec{ID: "two", Dataset: root + "/ds", Params: params, Strategy: generators.Strategy{Mode: "auto"}, Seed: 5})
	other := runJob(t, p, root, generators.Spec{ID: "other", Dataset: root + "/ds", Params: params, Strategy: generators.Strategy{Mode: "auto"}, Seed: 6})
	if !bytes.Equal(one.read(generators.MetadataKey), two.read(generators.MetadataKey)) {
		t.Error("the same seed gave different metadata rows")
	}
	same := 0
	for i, r := range one.rows {
		if !bytes.Equal(one.read(r.FileName), two.read(two.rows[i].FileName)) {
			t.Errorf("%s: the same seed gave different bytes", r.FileName)
		}
		if bytes.Equal(one.read(r.FileName), other.read(other.rows[i].FileName)) {
			same++
		}
	}
	if same == len(one.rows) {
		t.Error("seeds 5 and 6 gave the same samples")
	}
}

// TestPipelineProbability: with p 0.5 about half the samples are exact
// copies of their source (no transform in their row); with p 1 the samples
// are those of the default.
func TestPipelineProbability(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("a", "gray", 80)
	ds.pattern("b", "gray", 4)
	p := newPipeline(t, root)
	run := func(id, params string) *job {
		return runJob(t, p, root, generators.Spec{ID: id, Dataset: root + "/ds", Params: []byte(params), Strategy: generators.Strategy{Mode: "auto"}, Seed: 3})
	}
	half, def, one := run("half", `{"p":0.5}`), run("def", `{}`), run("one", `{"p":1}`)
	copies := 0
	for _, r := range half.rows {
		if len(r.Transforms) > 0 {
			continue
		}
		copies++
		data, err := os.ReadFile(filepath.Join(root, "ds", filepath.FromSlash(r.Sources[0])))
		if err != nil {
			t.Fatal(err)
		}
		src, _ := media.DecodeBytes(data, media.DecodeOptions{})
		out, err := media.DecodeBytes(half.read(r.FileName), media.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(src.(*image.Gray).Pix, out.(*image.Gray).Pix) {
			t.Errorf("%s: no transform in its row, but its pixels differ from %s", r.FileName, r.Sources[0])
		}
	}
	// 76 samples; without p, light leaves ~17.5% untouched (flip 0.5 x
	// affine 0.5 x brightness/contrast 0.7); with p 0.5, ~59%.
	if copies < 30 || copies > 60 {
		t.Errorf("%d of %d samples untouched with p 0.5, want about 45", copies, len(half.rows))
	}
	for i, r := range def.rows {
		if !bytes.Equal(def.read(r.FileName), one.read(one.rows[i].FileName)) {
			t.Fatalf("%s: p 1 changed the samples of the default", r.FileName)
		}
	}
}

// TestKindsKept: gray stays 8-bit gray, 16-bit gray stays 16-bit, RGBA
// keeps its alpha, RGB stays opaque.
func TestKindsKept(t *testing.T) {
	for _, c := range []struct {
		kind string
		want func(image.Image) bool
	}{
		{"gray", func(m image.Image) bool { _, ok := m.(*image.Gray); return ok }},
		{"gray16", func(m image.Image) bool { _, ok := m.(*image.Gray16); return ok }},
		{"rgb", func(m image.Image) bool { _, ok := m.(*image.RGBA); return ok }},
		{"rgba", func(m image.Image) bool {
			n, ok := m.(*image.NRGBA)
			return ok && !n.Opaque()
		}},
	} {
		t.Run(c.kind, func(t *testing.T) {
			root := t.TempDir()
			ds := newDataset(t, root+"/ds")
			ds.pattern("a", c.kind, 6)
			ds.pattern("b", c.kind, 2)
			j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "k", Dataset: root + "/ds",
				Strategy: generators.Strategy{Mode: "auto"}, Seed: 1})
			for _, r := range j.rows {
				if img := j.decode(r.FileName); !c.want(img) {
					t.Errorf("%s: decoded as %T", r.FileName, img)
				}
			}
			if j.gen.SourceKinds[c.kind] != 2 {
				t.Errorf("source_kinds %v, want 2 %s", j.gen.SourceKinds, c.kind)
			}
		})
	}
}

// TestLabelPreservingOptions: the default never flips vertically, disable
// switches a transform off, and an explicit list is followed.
func TestLabelPreservingOptions(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("a", "gray", 40)
	ds.pattern("b", "gray", 3)
	p := newPipeline(t, root)
	count := func(j *job, name string) int {
		n := 0
		for _, r := range j.rows {
			for _, a := range r.Transforms {
				if a.Name == name {
					n++
				}
			}
		}
		return n
	}
	def := runJob(t, p, root, generators.Spec{ID: "def", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}, Seed: 3})
	if count(def, augment.VerticalFlip) != 0 || count(def, augment.HorizontalFlip) == 0 {
		t.Errorf("default preset: %d vertical flips (want 0), %d horizontal (want some) in %d samples",
			count(def, augment.VerticalFlip), count(def, augment.HorizontalFlip), len(def.rows))
	}
	off := runJob(t, p, root, generators.Spec{ID: "off", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}, Seed: 3,
		Params: []byte(`{"preset":"medium","disable":["HorizontalFlip","gaussnoise"]}`)})
	if n := count(off, augment.HorizontalFlip) + count(off, augment.GaussNoise); n != 0 {
		t.Errorf("disabled transforms fired %d times", n)
	}
	if count(off, augment.Affine) == 0 {
		t.Error("medium without flips and noise: Affine never fired in 37 samples")
	}
	list := runJob(t, p, root, generators.Spec{ID: "list", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}, Seed: 3,
		Params: []byte(`{"transforms":[{"name":"VerticalFlip","p":1}]}`)})
	if count(list, augment.VerticalFlip) != len(list.rows) || list.rows[0].Preset != "custom" {
		t.Errorf("explicit VerticalFlip p 1: fired %d times in %d rows, preset %q", count(list, augment.VerticalFlip), len(list.rows), list.rows[0].Preset)
	}
	// A vertical flip of the source, exactly.
	r := list.rows[0]
	src, err := media.DecodeBytes(mustRead(t, filepath.Join(root, "ds", r.Sources[0])), media.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := list.decode(r.FileName).(*image.Gray)
	g := src.(*image.Gray)
	for y := range 16 {
		if !bytes.Equal(got.Pix[y*got.Stride:y*got.Stride+20], g.Pix[(15-y)*g.Stride:(15-y)*g.Stride+20]) {
			t.Fatalf("row %d of %s is not row %d of its source", y, r.FileName, 15-y)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestClassWithoutImages(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("a", "rgb", 8)
	ds.bad("b")
	p := newPipeline(t, root)
	_, err := p.Run(context.Background(), generators.Spec{ID: "e", Dataset: root + "/ds", Generator: "augment",
		Strategy: generators.Strategy{Mode: "auto"}, Output: root + "/out", Quality: generators.QualityOff}, func(generators.Progress) {})
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `class "b"`) || !strings.Contains(err.Error(), "b/empty.png") {
		t.Fatalf("error %v, want a DatasetError naming class b and its bad files", err)
	}
}

// TestNoCache: with cache_mib 0 every sample decodes its source again and
// gives the same bytes.
func TestNoCache(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.pattern("a", "rgb", 8)
	ds.pattern("b", "rgb", 3)
	p := newPipeline(t, root)
	a := runJob(t, p, root, generators.Spec{ID: "c", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}, Seed: 2})
	b := runJob(t, p, root, generators.Spec{ID: "n", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}, Seed: 2,
		Params: []byte(`{"cache_mib":0}`)})
	for i, r := range a.rows {
		if !bytes.Equal(a.read(r.FileName), b.read(b.rows[i].FileName)) {
			t.Errorf("sample %d differs without the cache", i)
		}
	}
}
