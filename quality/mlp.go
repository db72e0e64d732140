package quality

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// MLP is a one-hidden-layer classifier whose hidden layer is the feature
// embedding of this package:
//
//	h = ReLU(x W1 + b1)      (the embedding, Hidden values per row)
//	p = softmax(h W2 + b2)   (class probabilities)
//
// Why an embedding from a classifier: FID-style figures need a feature space
// in which distances reflect what a downstream model cares about; Inception
// features are that for natural images but do not fit 28×28 grey images or
// spectrograms. An MLP trained (seeded, deterministic) on the real training
// split is the small, domain-specific equivalent, the usual practice for
// MNIST-like data. Its caveats: it is trained on the same split the
// generators saw, so it rewards samples that look like the training set; and
// figures from different embeddings (another seed, config or dataset) are not
// comparable — store the config beside every figure. [PCA] is the label-free
// alternative.
type MLP struct {
	In      int `json:"in"`
	Hidden  int `json:"hidden"`
	Classes int `json:"classes"`
	// Scaler standardises inputs when the model was trained with
	// MLPConfig.Standardize; nil otherwise.
	Scaler *Standardizer `json:"scaler,omitempty"`
	W1     []float32     `json:"w1"` // In×Hidden, row-major
	B1     []float32     `json:"b1"`
	W2     []float32     `json:"w2"` // Hidden×Classes, row-major
	B2     []float32     `json:"b2"`
}

// mlpChunk is the number of rows processed at a time at inference.
const mlpChunk = 1024

// Embed returns the hidden activations ReLU(x W1 + b1): an n×Hidden matrix.
func (m *MLP) Embed(x blas32.General) (blas32.General, error) {
	if err := m.checkInput(x); err != nil {
		return blas32.General{}, err
	}
	out := newMatrix(x.Rows, m.Hidden)
	for i0 := 0; i0 < x.Rows; i0 += mlpChunk {
		i1 := min(i0+mlpChunk, x.Rows)
		xb := m.inputBlock(x, i0, i1)
		hb := blas32.General{Rows: i1 - i0, Cols: m.Hidden, Stride: m.Hidden, Data: out.Data[i0*m.Hidden : i1*m.Hidden]}
		m.hidden(xb, hb)
	}
	return out, nil
}

// Predict returns the most probable class of every row.
func (m *MLP) Predict(x blas32.General) ([]int, error) {
	h, err := m.Embed(x)
	if err != nil {
		return nil, err
	}
	z := newMatrix(x.Rows, m.Classes)
	m.logits(h, z)
	out := make([]int, x.Rows)
	for i := range out {
		out[i] = argmax(neighbors.Row(z, i))
	}
	return out, nil
}

func (m *MLP) checkInput(x blas32.General) error {
	if err := neighbors.CheckMatrix("mlp input", x); err != nil {
		return err
	}
	if x.Cols != m.In {
		return fmt.Errorf("mlp: rows have %d columns, want %d", x.Cols, m.In)
	}
	return nil
}

// inputBlock returns rows [i0, i1) of x, standardised when the model has a
// scaler (a copy) or as a view.
func (m *MLP) inputBlock(x blas32.General, i0, i1 int) blas32.General {
	view := blas32.General{Rows: i1 - i0, Cols: x.Cols, Stride: x.Stride, Data: x.Data[i0*x.Stride : (i1-1)*x.Stride+x.Cols]}
	if m.Scaler == nil {
		return view
	}
	out := newMatrix(i1-i0, x.Cols)
	for i := range i1 - i0 {
		dst := neighbors.Row(out, i)
		for j, v := range neighbors.Row(view, i) {
			dst[j] = float32((float64(v) - m.Scaler.Mean[j]) * m.Scaler.Scale[j])
		}
	}
	return out
}

// hidden writes ReLU(x W1 + b1) into h.
func (m *MLP) hidden(x, h blas32.General) {
	w1 := blas32.General{Rows: m.In, Cols: m.Hidden, Stride: m.Hidden, Data: m.W1}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, x, w1, 0, h)
	for i := range h.Rows {
		row := neighbors.Row(h, i)
		for j := range row {
			row[j] = max(row[j]+m.B1[j], 0)
		}
	}
}

// logits writes h W2 + b2 into z.
func (m *MLP) logits(h, z blas32.General) {
	w2 := blas32.General{Rows: m.Hidden, Cols: m.Classes, Stride: m.Classes, Data: m.W2}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, h, w2, 0, z)
	for i := range z.Rows {
		row := neighbors.Row(z, i)
		for j := range row {
			row[j] += m.B2[j]
		}
	}
}

// softmaxRow writes the softmax of z into p (float64, max-shifted) and
// returns −log p[label].
func softmaxRow[T float32 | float64](z []T, label int, p []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, float64(v))
	}
	var sum float64
	for j, v := range z {
		p[j] = math.Exp(float64(v) - mx)
		sum += p[j]
	}
	for j := range p {
		p[j] /= sum
	}
	return -(float64(z[label]) - mx - math.Log(sum))
}

func argmax[T float32 | float64](v []T) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}
