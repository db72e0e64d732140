package tabgan

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/tailsynth/tailsynth/smote"
)

// Model is a trained generator with its data transformer. It is safe for
// concurrent Sample calls.
type Model struct {
	tr      *Transformer
	classes int
	zDim    int
	hidden  []int
	// classRows[c] is the number of training rows of class c; freqP[c][j]
	// the frequencies of the levels of categorical column j within class c.
	classRows []int
	freqP     [][][]float64
	gen       *genNet
	genP      []float64
}

// Seed streams: the second PCG word separates the uses of one user seed.
const (
	streamInit      = 0x6a09e667f3bcc908
	streamTrain     = 0xbb67ae8584caa73b
	streamSample    = 0x3c6ef372fe94f82b
	streamTransform = 0xa54ff53a5f1d36f1
)

// Classes returns the number of classes the model was trained with.
func (m *Model) Classes() int { return m.classes }

// Transformer returns the model's data transformer (do not modify it).
func (m *Model) Transformer() *Transformer { return m.tr }

// condDim is the width of the conditional vector (one-hots of every
// categorical column).
func (m *Model) condDim() int {
	d := 0
	for _, l := range m.tr.Levels {
		d += l
	}
	return d
}

// genInput writes rows [z, cond, label] for the conditions ks, drawing z
// from rng.
func (m *Model) genInput(ks []cond, rng *rand.Rand) []float64 {
	w := m.zDim + m.condDim() + m.classes
	x := make([]float64, len(ks)*w)
	for i, k := range ks {
		row := x[i*w : (i+1)*w]
		for j := range m.zDim {
			row[j] = rng.NormFloat64()
		}
		m.writeCond(row[m.zDim:], k)
	}
	return x
}

// writeCond writes the conditional vector and the class one-hot of k into
// dst (condDim + classes values, zeroed first).
func (m *Model) writeCond(dst []float64, k cond) {
	cd := m.condDim()
	clear(dst[:cd+m.classes])
	if k.col >= 0 {
		at := 0
		for j := 0; j < k.col; j++ {
			at += m.tr.Levels[j]
		}
		dst[at+k.level] = 1
	}
	dst[cd+k.class] = 1
}

// Sample returns n new rows of class (0 <= class < Classes()), all of that
// class by construction: the class is an input of the generator. Each row's
// conditional vector names a categorical column drawn uniformly and a level
// drawn with its frequency among the class's training rows. Mode and level
// one-hots are read by arg-max of the Gumbel-perturbed logits (what CTGAN's
// inverse transform does to its Gumbel-softmax output). Numeric values are
// clipped to their column's training range. The same model, class, n and
// seed give the same rows.
func (m *Model) Sample(ctx context.Context, class, n int, seed int64) (smote.Table, error) {
	if class < 0 || class >= m.classes {
		return smote.Table{}, fmt.Errorf("tabgan: class %d, want a class in [0, %d)", class, m.classes)
	}
	if m.classRows[class] == 0 {
		return smote.Table{}, fmt.Errorf("tabgan: class %d had no training rows, so the model cannot generate it; train with rows of that class", class)
	}
	if n < 0 {
		return smote.Table{}, fmt.Errorf("tabgan: n = %d rows, want n >= 0", n)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), streamSample))
	d := m.tr.Dim()
	rows := make([]float64, n*d)
	const chunk = 256
	spans := m.tr.spans()
	for lo := 0; lo < n; lo += chunk {
		if err := ctx.Err(); err != nil {
			return smote.Table{}, fmt.Errorf("tabgan: sampling stopped after %d of %d rows: %w", lo, n, err)
		}
		b := min(chunk, n-lo)
		ks := make([]cond, b)
		for i := range ks {
			ks[i] = drawSample(m.freqP[class], class, rng)
		}
		gp := m.gen.forward(m.genP, m.genInput(ks, rng), b)
		for i := range b {
			src, dst := gp.out[i*d:(i+1)*d], rows[(lo+i)*d:(lo+i+1)*d]
			for _, s := range spans {
				if !s.softmax {
					dst[s.start] = math.Tanh(src[s.start])
					continue
				}
				best, bestV := 0, math.Inf(-1)
				for k := range s.dim {
					if v := src[s.start+k] - math.Log(rng.ExpFloat64()); v > bestV {
						best, bestV = k, v
					}
				}
				dst[s.start+best] = 1
			}
		}
	}
	return m.tr.Inverse(rows, n)
}

// File format of a saved model: JSON with a format name and version.
const (
	modelFormat  = "tailsynth/tabgan-model"
	modelVersion = 1
	ckptFormat   = "tailsynth/tabgan-checkpoint"
	ckptVersion  = 1
)

type modelFile struct {
	Format      string          `json:"format"`
	Version     int             `json:"version"`
	Classes     int             `json:"classes"`
	ZDim        int             `json:"z_dim"`
	GenHidden   []int           `json:"gen_hidden"`
	Transformer *Transformer    `json:"transformer"`
	ClassRows   []int           `json:"class_rows"`
	FreqP       [][][]float64   `json:"level_freq"`
	Gen         []float64       `json:"generator"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

func (m *Model) file() modelFile {
	return modelFile{Format: modelFormat, Version: modelVersion, Classes: m.classes, ZDim: m.zDim, GenHidden: m.hidden,
		Transformer: m.tr, ClassRows: m.classRows, FreqP: m.freqP, Gen: m.genP}
}

// Save writes the model as JSON (format "tailsynth/tabgan-model", version
// 1). Floats are written in Go's shortest round-trip form, so a loaded
// model samples the same bits.
func (m *Model) Save(w io.Writer) error {
	if err := json.NewEncoder(w).Encode(m.file()); err != nil {
		return fmt.Errorf("tabgan: writing model: %w", err)
	}
	return nil
}

// Load reads a model written by Save.
func Load(r io.Reader) (*Model, error) {
	var f modelFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, fmt.Errorf("tabgan: reading model: %w", err)
	}
	return f.model()
}

func (f *modelFile) model() (*Model, error) {
	if f.Format != modelFormat || f.Version != modelVersion {
		return nil, fmt.Errorf("tabgan: model file has format %q version %d, want %q version %d", f.Format, f.Version, modelFormat, modelVersion)
	}
	tr := f.Transformer
	if tr == nil || f.Classes < 1 || f.ZDim < 1 || len(f.ClassRows) != f.Classes || len(f.FreqP) != f.Classes {
		return nil, fmt.Errorf("tabgan: model file is incomplete (classes %d, z_dim %d, %d class counts)", f.Classes, f.ZDim, len(f.ClassRows))
	}
	for _, nc := range tr.Numeric {
		mx := nc.Mixture
		if len(mx.Weights) < 1 || len(mx.Means) != len(mx.Weights) || len(mx.Stds) != len(mx.Weights) {
			return nil, fmt.Errorf("tabgan: model file has a malformed mixture %+v", mx)
		}
	}
	for c := range f.FreqP {
		if len(f.FreqP[c]) != len(tr.Levels) {
			return nil, fmt.Errorf("tabgan: model file has level frequencies for %d columns, want %d", len(f.FreqP[c]), len(tr.Levels))
		}
		for j, p := range f.FreqP[c] {
			if len(p) != tr.Levels[j] {
				return nil, fmt.Errorf("tabgan: model file has %d level frequencies for column %d, want %d", len(p), j, tr.Levels[j])
			}
		}
	}
	m := &Model{tr: tr, classes: f.Classes, zDim: f.ZDim, hidden: f.GenHidden, classRows: f.ClassRows, freqP: f.FreqP}
	m.gen = newGenNet(f.ZDim+m.condDim()+f.Classes, f.GenHidden, tr.Dim())
	if len(f.Gen) != m.gen.size {
		return nil, fmt.Errorf("tabgan: model file has %d generator weights, want %d for its architecture", len(f.Gen), m.gen.size)
	}
	m.genP = f.Gen
	return m, nil
}
