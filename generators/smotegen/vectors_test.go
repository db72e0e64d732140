package smotegen_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
)

// randVector is a vector of n values in [-scale, scale).
func randVector(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * (2*rng.Float64() - 1)
	}
	return v
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// readVector reads an output .npy vector and its dtype.
func (j *job) readVector(key string) ([]float64, string) {
	j.t.Helper()
	data := j.read(key)
	h, err := media.ReadNPYHeader(bytes.NewReader(data))
	if err != nil {
		j.t.Fatalf("%s: %v", key, err)
	}
	s, err := media.ReadNPY[float64](bytes.NewReader(data))
	if err != nil {
		j.t.Fatalf("%s: %v", key, err)
	}
	if len(h.Shape) != 1 || s.Rows != 1 {
		j.t.Fatalf("%s: shape %v, want 1-D", key, h.Shape)
	}
	return s.Data, h.Descr
}

// checkVectors verifies every output row: dtype, the interpolation formula
// within tol, and the neighbour among the k nearest of the base.
func checkVectors(t *testing.T, j *job, ds *dataset, class []string, dtype string, tol float64) {
	t.Helper()
	rowOf := func(key string) []float64 { return ds.vecs[key] }
	for i, r := range j.rows {
		if r.Index != i || len(r.Sources) != 2 || r.Sources[0] == r.Sources[1] || r.Smote.Dtype != dtype ||
			r.Smote.Gap < 0 || r.Smote.Gap >= 1 || !strings.HasSuffix(r.FileName, ".npy") {
			t.Fatalf("row %d: %+v", i, r)
		}
		for _, s := range r.Sources {
			if !slices.Contains(class, s) {
				t.Fatalf("row %d: source %s is not a good vector of class %s", i, s, r.Label)
			}
		}
		got, descr := j.readVector(r.FileName)
		a, b := ds.vecs[r.Sources[0]], ds.vecs[r.Sources[1]]
		if descr != dtype || len(got) != len(a) || r.Smote.Dim != len(a) {
			t.Fatalf("%s: dtype %s, %d values, dim %d; want %s and %d", r.FileName, descr, len(got), r.Smote.Dim, dtype, len(a))
		}
		for c := range got {
			if want := a[c] + r.Smote.Gap*(b[c]-a[c]); math.Abs(got[c]-want) > tol {
				t.Errorf("%s[%d] = %.9g, want %s + %.6f·(%s − %s) = %.9g (±%g)",
					r.FileName, c, got[c], r.Sources[0], r.Smote.Gap, r.Sources[1], r.Sources[0], want, tol)
			}
		}
		checkNeighbor(t, r, class, rowOf)
	}
}

func TestVectorJob(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		vectorFile(ds, "big", to32(randVector(rng, 7, 1)))
	}
	var small []string
	for range 9 {
		small = append(small, vectorFile(ds, "small", to32(randVector(rng, 7, 1))))
	}
	wantBad := ds.badVectors("small")
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "vec", Dataset: root + "/ds",
		Params: []byte(`{"k":4}`), Strategy: generators.Strategy{Mode: "add", Add: map[string]int{"small": 40}}, Seed: 5})
	if len(j.rows) != 40 || len(j.dataKeys()) != 40 {
		t.Fatalf("%d rows, %d files, want 40", len(j.rows), len(j.dataKeys()))
	}
	// float32 values of order 1: the output is smote's float32 row, within
	// float32 rounding (2⁻²⁴ relative) of the exact value.
	checkVectors(t, j, ds, small, "<f4", 1e-6)
	for _, r := range j.rows {
		if r.Smote.K != 4 {
			t.Fatalf("row %+v: want k 4", r)
		}
	}
	if len(j.gen.BadFiles) != len(wantBad) {
		t.Errorf("bad_files %+v, want %d entries", j.gen.BadFiles, len(wantBad))
	}
	for _, b := range j.gen.BadFiles {
		if want, ok := wantBad[b.Key]; !ok || b.Class != "small" || !strings.Contains(b.Reason, want) {
			t.Errorf("bad file %+v: want class small and a reason containing %q", b, want)
		}
	}
	if got := j.gen.Classes["small"]; got.Rows != 9 || got.FilesExcluded != 6 || got.K != 4 || got.KLowered || got.Generated != 40 || got.Dim != 7 {
		t.Errorf("report for small %+v: want 9 rows, 6 excluded, k 4, 40 generated, dim 7", got)
	}
	if j.gen.Input != "vector" || j.gen.Dtype != "<f4" || j.gen.ContactSheet != "" {
		t.Errorf("report input %q dtype %q contact sheet %q, want vector, <f4, none", j.gen.Input, j.gen.Dtype, j.gen.ContactSheet)
	}
}

// TestFloat64Vectors checks that a job with float64 vectors writes float64
// rows computed in float64 (float32 vectors of the class widened exactly),
// and that k is lowered for a class of three vectors.
func TestFloat64Vectors(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10 {
		vectorFile(ds, "big", randVector(rng, 5, 1e3))
	}
	var tiny []string
	tiny = append(tiny, vectorFile(ds, "tiny", randVector(rng, 5, 1e3)), vectorFile(ds, "tiny", randVector(rng, 5, 1e3)))
	tiny = append(tiny, vectorFile(ds, "tiny", to32(randVector(rng, 5, 1e3))))
	j := runJob(t, newPipeline(t, root), root, generators.Spec{ID: "f64", Dataset: root + "/ds",
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 9})
	if len(j.rows) != 7 {
		t.Fatalf("%d rows, want 7", len(j.rows))
	}
	// float64 arithmetic on values up to 1e3: error about 1e3·2⁻⁵².
	checkVectors(t, j, ds, tiny, "<f8", 1e-9)
	if f := j.gen.Classes["tiny"]; f.K != 2 || !f.KLowered || j.gen.Dtype != "<f8" {
		t.Errorf("report for tiny %+v dtype %q: want k 2 (lowered), <f8", f, j.gen.Dtype)
	}
}

func TestMixedVectorLengths(t *testing.T) {
	root := t.TempDir()
	ds := newDataset(t, root+"/ds")
	for range 6 {
		vectorFile(ds, "a", []float32{1, 2, 3})
	}
	for range 3 {
		vectorFile(ds, "b", []float32{1, 2, 3})
	}
	odd := vectorFile(ds, "b", []float32{1, 2, 3, 4})
	err := runErr(t, root, generators.Spec{ID: "m", Dataset: root + "/ds", Strategy: generators.Strategy{Mode: "auto"}})
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `class "b"`) || !strings.Contains(err.Error(), "length 3 (3 files") ||
		!strings.Contains(err.Error(), "length 4 (1 files, e.g. "+odd) {
		t.Fatalf("error %v, want a DatasetError naming class b, lengths 3 and 4 and %s", err, odd)
	}
}
