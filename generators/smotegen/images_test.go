package smotegen_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/smotegen"
)

// levelTol is the largest difference, in levels, accepted between an output
// pixel and the convex combination (1−gap)·base + gap·neighbour of its
// sources' levels: the output is round(255·v) with v a float32, so half a
// level of rounding plus float32 error (about 255·2⁻²⁴).
const levelTol = 1

// checkConvex verifies that every pixel of every output row is the convex
// combination, with the recorded gap, of the two sources' levels.
func checkConvex(t *testing.T, j *job, ds *dataset, r row, w, h int, gray bool) {
	t.Helper()
	got, isGray, b := j.levels(r.FileName)
	if b != image.Rect(0, 0, w, h) || isGray != gray {
		t.Fatalf("%s: bounds %v gray %v, want %dx%d gray %v", r.FileName, b, isGray, w, h, gray)
	}
	a, bb := ds.levels[r.Sources[0]], ds.levels[r.Sources[1]]
	if len(a) != len(got) || len(bb) != len(got) {
		t.Fatalf("%s: %d levels, sources have %d and %d", r.FileName, len(got), len(a), len(bb))
	}
	worst := 0.0
	for i := range got {
		want := float64(a[i]) + r.Smote.Gap*(float64(bb[i])-float64(a[i]))
		worst = max(worst, math.Abs(float64(got[i])-want))
	}
	if worst > levelTol {
		t.Errorf("%s: differs from %s + %.4f·(%s − %s) by up to %.2f levels, want <= %d",
			r.FileName, r.Sources[0], r.Smote.Gap, r.Sources[1], r.Sources[0], worst, levelTol)
	}
}

// checkNeighbor verifies that the neighbour of a row is among the k nearest
// rows of its base within the class, by brute force on exact squared
// distances (ties at the k-th distance accepted).
func checkNeighbor(t *testing.T, r row, class []string, rowOf func(key string) []float64) {
	t.Helper()
	base := rowOf(r.Sources[0])
	dist := func(key string) float64 {
		s := 0.0
		for i, v := range rowOf(key) {
			s += (v - base[i]) * (v - base[i])
		}
		return s
	}
	var ds []float64
	for _, k := range class {
		if k != r.Sources[0] {
			ds = append(ds, dist(k))
		}
	}
	sort.Float64s(ds)
	if kth := ds[r.Smote.K-1]; dist(r.Sources[1]) > kth {
		t.Errorf("%s: neighbour %s of %s is at squared distance %g, farther than the %d-th nearest (%g)",
			r.FileName, r.Sources[1], r.Sources[0], dist(r.Sources[1]), r.Smote.K, kth)
	}
}

func TestImageJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.patterns("common", 14, 16, 12)
	rare := ds.patterns("rare", 8, 16, 12)
	resized := ds.solid("rare", 24, 18, 16, 12, color.NRGBA{R: 40, G: 150, B: 220, A: 0xff})
	rare = append(rare, resized)
	slices.Sort(rare)
	wantBad := ds.badImages("rare")
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "img", Dataset: root + "/ds",
		Params: []byte(`{"k":3}`), Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"rare": 30}}, Seed: 11})

	if j.res.Files != 30 || j.res.Added["rare"] != 30 {
		t.Fatalf("result %+v, want 30 rare samples", j.res)
	}
	if keys := j.dataKeys(); len(keys) != 30 || len(j.rows) != 30 {
		t.Fatalf("%d data files, %d metadata rows, want 30 each", len(keys), len(j.rows))
	}
	rowOf := func(key string) []float64 {
		out := make([]float64, len(ds.levels[key]))
		for i, l := range ds.levels[key] {
			out[i] = float64(l)
		}
		return out
	}
	bases, used := map[string]bool{}, map[string]bool{}
	for i, r := range j.rows {
		if r.Label != "rare" || r.Index != i || r.Seed != 11 || len(r.Sources) != 2 || r.Sources[0] == r.Sources[1] ||
			r.Smote.K != 3 || r.Smote.Size != "16x12" || r.Smote.Mode != "rgb" || r.Smote.Gap < 0 || r.Smote.Gap >= 1 ||
			!strings.HasSuffix(r.FileName, ".png") {
			t.Errorf("row %d: %+v", i, r)
			continue
		}
		for _, s := range r.Sources {
			if !slices.Contains(rare, s) {
				t.Fatalf("row %d: source %s is not a good image of class rare", i, s)
			}
		}
		bases[r.Sources[0]], used[r.Sources[0]], used[r.Sources[1]] = true, true, true
		checkConvex(t, j, ds, r, 16, 12, false)
		checkNeighbor(t, r, rare, rowOf)
	}
	if !used[resized] {
		t.Errorf("no sample uses %s, the image read at 24x18: the resize path is untested with this seed", resized)
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
	want := smotegen.ClassFigures{Rows: 9, FilesExcluded: 5, K: 3, Generated: 30, Dim: 16 * 12 * 3,
		BasesUsed: len(bases), RowsInSamples: len(used)}
	if got := j.gen.Classes["rare"]; got != want {
		t.Errorf("report for rare: got %+v, want %+v", got, want)
	}
	if _, ok := j.gen.Classes["common"]; ok {
		t.Error("report has an entry for common, which got no samples")
	}
	if j.gen.Input != "image" || j.gen.Size != "16x12" || !strings.Contains(j.gen.SizeReason, "most common") ||
		j.gen.Mode != "rgb" || !strings.Contains(j.gen.ModeReason, "colour") || j.gen.Resized != 1 {
		t.Errorf("report: input %q size %q (%s) mode %q (%s) resized %d; want image, 16x12 (most common), rgb, 1 resized",
			j.gen.Input, j.gen.Size, j.gen.SizeReason, j.gen.Mode, j.gen.ModeReason, j.gen.Resized)
	}

	// The contact sheet has two rows (real, smote) of eight 64-pixel cells.
	if j.gen.ContactSheet != smotegen.ContactSheetKey {
		t.Errorf("report contact_sheet %q, want %q", j.gen.ContactSheet, smotegen.ContactSheetKey)
	}
	sheet, err := png.Decode(bytes.NewReader(j.read(smotegen.ContactSheetKey)))
	if err != nil {
		t.Fatalf("contact sheet: %v", err)
	}
	if b := sheet.Bounds(); b.Dx() < 8*64 || b.Dy() < 2*64 || b.Dy() > 3*64 {
		t.Errorf("contact sheet is %v, want two rows of eight 64-pixel cells", b)
	}
}

// TestGrayAndModes checks that auto picks gray for an all-gray job, that
// mode rgb gives RGB copies of the gray levels, and that an explicit size
// resizes every image.
func TestGrayAndModes(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	ds.grays("g", 6, 10, 8)
	ds.grays("h", 3, 10, 8)
	p := newPipeline(t, root)

	gray := runJob(t, p, root, generators.Spec{ID: "gray", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}, Seed: 3})
	if len(gray.rows) != 3 || gray.gen.Mode != "gray" || !strings.Contains(gray.gen.ModeReason, "every image read is gray") {
		t.Fatalf("gray job: %d rows, mode %q (%s); want 3 gray", len(gray.rows), gray.gen.Mode, gray.gen.ModeReason)
	}
	for _, r := range gray.rows {
		// h has 3 rows: k = 5 is lowered to 2.
		if r.Smote.K != 2 || r.Smote.Mode != "gray" {
			t.Errorf("row %+v: want k 2, mode gray", r)
		}
		checkConvex(t, gray, ds, r, 10, 8, true)
	}
	if f := gray.gen.Classes["h"]; f.K != 2 || !f.KLowered || f.Rows != 3 || f.Dim != 80 {
		t.Errorf("report for h %+v: want k 2 (lowered), 3 rows of 80", f)
	}

	rgb := runJob(t, p, root, generators.Spec{ID: "rgb", Dataset: root + "/ds", Params: []byte(`{"mode":"rgb"}`),
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 3})
	for i, r := range rgb.rows {
		got, isGray, _ := rgb.levels(r.FileName)
		want, _, _ := gray.levels(gray.rows[i].FileName)
		if isGray || len(got) != 3*len(want) {
			t.Fatalf("%s: gray %v, %d levels; want RGB with 3x%d", r.FileName, isGray, len(got), len(want))
		}
		for p, l := range want {
			if got[3*p] != l || got[3*p+1] != l || got[3*p+2] != l {
				t.Fatalf("%s pixel %d: %v, want the gray job's level %d in every channel", r.FileName, p, got[3*p:3*p+3], l)
			}
		}
	}
	if rgb.gen.Mode != "rgb" || rgb.gen.ModeReason != "set by the mode parameter" {
		t.Errorf("rgb job mode %q (%s)", rgb.gen.Mode, rgb.gen.ModeReason)
	}

	small := runJob(t, p, root, generators.Spec{ID: "small", Dataset: root + "/ds", Params: []byte(`{"size":"5x4","mode":"gray"}`),
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 3})
	for _, r := range small.rows {
		if _, _, b := small.levels(r.FileName); b != image.Rect(0, 0, 5, 4) {
			t.Errorf("%s is %v, want 5x4", r.FileName, b)
		}
	}
	if small.gen.Size != "5x4" || small.gen.SizeReason != "set by the size parameter" || small.gen.Resized != 3 {
		t.Errorf("small job: size %q (%s), %d resized; want 5x4 from the parameter, the 3 images of h resized",
			small.gen.Size, small.gen.SizeReason, small.gen.Resized)
	}
}
