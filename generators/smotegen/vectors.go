package smotegen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// vector is one .npy file read: exactly one of v32 ('<f4') and v64 ('<f8')
// is set, or bad says why the file is excluded.
type vector struct {
	v32 []float32
	v64 []float64
	bad string
}

func (v vector) len() int { return len(v.v32) + len(v.v64) }

func (v vector) bytes() int64 { return int64(len(v.v32))*4 + int64(len(v.v64))*8 }

// loadVectors reads the .npy vectors of every class that gets samples,
// checks that each class has one vector length, and keeps each class's rows
// contiguous in the job's dtype: '<f8' when any vector read is float64 (the
// float32 ones widen exactly), else '<f4'.
func (r *run) loadVectors(ctx context.Context) error {
	var held atomic.Int64
	usable := map[string][]vector{}
	for _, name := range r.order {
		cl := r.classes[name]
		got := make([]vector, len(cl.candidates))
		err := generators.ForEach(ctx, len(cl.candidates), func(ctx context.Context, i int) error {
			v, err := r.readVector(ctx, cl.candidates[i])
			if err != nil {
				return err
			}
			if b := held.Add(v.bytes()); b > r.cfg.limit {
				return &datasets.DatasetError{Msg: fmt.Sprintf(
					"the .npy vectors of the classes to oversample take more than the %s limit (reached in class %q); "+
						"ask for fewer classes per job", mib(r.cfg.limit), name)}
			}
			got[i] = v
			return nil
		})
		if err != nil {
			return err
		}
		var bad []badFile
		for i, f := range cl.candidates {
			if got[i].bad != "" {
				bad = append(bad, badFile{Key: f.Key, Class: name, Reason: got[i].bad})
				continue
			}
			cl.keys = append(cl.keys, f.Key)
			usable[name] = append(usable[name], got[i])
		}
		r.addBad(bad...)
		if err := r.checkRows(name, cl.keys); err != nil {
			return err
		}
		if err := sameLength(name, cl.keys, usable[name]); err != nil {
			return err
		}
		cl.dim = usable[name][0].len()
		r.progress("reading vectors", map[string]any{"class": name, "vectors": len(cl.keys)})
	}

	f64From := ""
	for _, name := range r.order {
		for i, v := range usable[name] {
			if v.v64 != nil && f64From == "" {
				f64From = r.classes[name].keys[i]
			}
		}
	}
	r.f64 = f64From != ""
	if r.f64 {
		r.dtypeNote = "some vectors read are float64, e.g. " + f64From + "; float32 vectors are widened exactly"
	} else {
		r.dtypeNote = "every vector read is float32"
	}
	bytesPer := int64(4)
	if r.f64 {
		bytesPer = 8
	}
	for _, name := range r.order {
		cl := r.classes[name]
		if err := r.checkMemory(name, cl.rows(), cl.dim, bytesPer); err != nil {
			return err
		}
		vs := usable[name]
		if r.f64 {
			cl.v64 = make([]float64, 0, len(vs)*cl.dim)
			for _, v := range vs {
				if v.v64 != nil {
					cl.v64 = append(cl.v64, v.v64...)
				} else {
					for _, x := range v.v32 {
						cl.v64 = append(cl.v64, float64(x))
					}
				}
			}
		} else {
			cl.v32 = make([]float32, 0, len(vs)*cl.dim)
			for _, v := range vs {
				cl.v32 = append(cl.v32, v.v32...)
			}
		}
		usable[name] = nil
		r.retained += int64(cl.rows()*cl.dim) * bytesPer
	}
	return nil
}

// sameLength refuses a class whose vectors have different lengths, naming
// the lengths with their counts and an example file of each.
func sameLength(name string, keys []string, vs []vector) error {
	type group struct {
		n, count int
		example  string
	}
	byLen := map[int]*group{}
	var groups []*group
	for i, v := range vs {
		g, ok := byLen[v.len()]
		if !ok {
			g = &group{n: v.len(), example: keys[i]}
			byLen[v.len()] = g
			groups = append(groups, g)
		}
		g.count++
	}
	if len(groups) == 1 {
		return nil
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].count > groups[j].count })
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf("length %d (%d files, e.g. %s)", g.n, g.count, g.example)
	}
	return &datasets.DatasetError{Msg: fmt.Sprintf(
		"class %q mixes vector lengths: %s; SMOTE interpolates vectors of one length per class: fix or remove the odd files",
		name, strings.Join(parts, ", "))}
}

// readVector reads one .npy file: a 1-D '<f4' or '<f8' vector of finite
// values. A problem of the file itself gives vector.bad (the file is
// excluded and reported); a storage error fails the job.
func (r *run) readVector(ctx context.Context, f datasets.File) (vector, error) {
	bad := func(format string, args ...any) (vector, error) {
		return vector{bad: fmt.Sprintf(format, args...)}, nil
	}
	if f.Size > r.cfg.maxFile {
		return bad("file exceeds the byte limit: %d bytes, limit %d (max_file_mib)", f.Size, r.cfg.maxFile)
	}
	rc, _, err := r.env.Source.Get(ctx, f.Key)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return bad("not found: removed after the dataset was scanned")
		}
		return vector{}, fmt.Errorf("reading %s: %w", f.Key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, r.cfg.maxFile+1))
	if err != nil {
		return vector{}, fmt.Errorf("reading %s: %w", f.Key, err)
	}
	switch {
	case int64(len(data)) > r.cfg.maxFile:
		return bad("file exceeds the byte limit: more than %d bytes (max_file_mib)", r.cfg.maxFile)
	case len(data) == 0:
		return bad("empty file (0 bytes)")
	}
	h, err := media.ReadNPYHeader(bytes.NewReader(data))
	if err != nil {
		return bad("not a .npy file: %v", err)
	}
	if len(h.Shape) != 1 || h.Shape[0] == 0 {
		return bad("shape %v: want a non-empty 1-D vector, shape (n,)", h.Shape)
	}
	var v vector
	switch h.Descr {
	case "<f4":
		s, err := media.ReadNPY[float32](bytes.NewReader(data))
		if err != nil {
			return bad("%v", err)
		}
		v.v32 = s.Data
	case "<f8":
		s, err := media.ReadNPY[float64](bytes.NewReader(data))
		if err != nil {
			return bad("%v", err)
		}
		v.v64 = s.Data
	default:
		return bad("dtype %q: want '<f4' (float32) or '<f8' (float64), little-endian", h.Descr)
	}
	for j := range v.len() {
		x := v.at(j)
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			return bad("value %v at index %d: only finite values are accepted", x, j)
		case math.Abs(x) > math.MaxFloat32:
			return bad("value %g at index %d is outside float32's range: the neighbour search runs in float32", x, j)
		}
	}
	return v, nil
}

func (v vector) at(j int) float64 {
	if v.v32 != nil {
		return float64(v.v32[j])
	}
	return v.v64[j]
}
