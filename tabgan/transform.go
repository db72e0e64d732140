package tabgan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tailsynth/tailsynth/smote"
)

// Transformer maps rows of a smote.Table to the vectors the networks see and
// back, as CTGAN's DataTransformer does (Xu et al. 2019, section 4.2,
// "mode-specific normalization"):
//
//   - a numeric column gets a Gaussian mixture (see fitMixture); a value x is
//     given a mode k drawn from the posterior p(k | x) and becomes
//     α = clip((x − μ_k) / (4 σ_k), −0.99, 0.99) followed by the one-hot of
//     k (rdt's ClusterBasedNormalizer, which CTGAN uses, draws k the same way);
//   - a categorical column becomes the one-hot of its code.
//
// Numeric columns come first, then categorical ones, each in table order.
// The inverse takes α clipped to [−1, 1] and the arg-max mode, and returns
// α·4σ_k + μ_k clipped to the column's observed [Min, Max]; a categorical
// column gets the arg-max code. Rounding integers and other domain rules are
// the caller's.
type Transformer struct {
	Numeric []NumericColumn `json:"numeric"`
	Levels  []int           `json:"levels"`
}

// NumericColumn is the mixture fitted to one numeric column and its
// observed range.
type NumericColumn struct {
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Mixture mixture `json:"mixture"`
}

// Modes returns the number of mixture components of numeric column j.
func (tr *Transformer) Modes(j int) int { return len(tr.Numeric[j].Mixture.Weights) }

// span is a run of output features with one activation.
type span struct {
	start, dim int
	softmax    bool // Gumbel-softmax one-hot; otherwise one tanh scalar
}

// FitTransformer fits a transformer to t, which must pass t.Check and have
// at least one row.
func FitTransformer(t smote.Table) (*Transformer, error) {
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("tabgan: %w", err)
	}
	if t.Rows() == 0 {
		return nil, fmt.Errorf("tabgan: the table has no rows; a transformer needs at least one")
	}
	if len(t.Numeric)+len(t.Categorical) == 0 {
		return nil, fmt.Errorf("tabgan: the table has no columns")
	}
	tr := &Transformer{Levels: append([]int(nil), t.Levels...)}
	for _, col := range t.Numeric {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range col {
			lo, hi = min(lo, v), max(hi, v)
		}
		tr.Numeric = append(tr.Numeric, NumericColumn{Min: lo, Max: hi, Mixture: fitMixture(col)})
	}
	return tr, nil
}

// Dim returns the length of a transformed row.
func (tr *Transformer) Dim() int {
	d := 0
	for j := range tr.Numeric {
		d += 1 + tr.Modes(j)
	}
	for _, l := range tr.Levels {
		d += l
	}
	return d
}

// spans lists the output spans in row order.
func (tr *Transformer) spans() []span {
	var out []span
	at := 0
	for j := range tr.Numeric {
		out = append(out, span{start: at, dim: 1}, span{start: at + 1, dim: tr.Modes(j), softmax: true})
		at += 1 + tr.Modes(j)
	}
	for _, l := range tr.Levels {
		out = append(out, span{start: at, dim: l, softmax: true})
		at += l
	}
	return out
}

// catStart returns where categorical column j's one-hot starts in a row.
func (tr *Transformer) catStart(j int) int {
	at := 0
	for k := range tr.Numeric {
		at += 1 + tr.Modes(k)
	}
	for k := 0; k < j; k++ {
		at += tr.Levels[k]
	}
	return at
}

// checkShape reports whether t has the columns the transformer was fitted on.
func (tr *Transformer) checkShape(t smote.Table) error {
	if len(t.Numeric) != len(tr.Numeric) || len(t.Categorical) != len(tr.Levels) {
		return fmt.Errorf("tabgan: table has %d numeric and %d categorical columns, want %d and %d as the data the model was fitted on",
			len(t.Numeric), len(t.Categorical), len(tr.Numeric), len(tr.Levels))
	}
	for j, l := range t.Levels {
		if l != tr.Levels[j] {
			return fmt.Errorf("tabgan: categorical column %d has %d levels, want %d as the data the model was fitted on", j, l, tr.Levels[j])
		}
	}
	return t.Check()
}

// Transform returns the rows of t as a row-major matrix of t.Rows() x Dim()
// values, drawing each value's mode from rng.
func (tr *Transformer) Transform(t smote.Table, rng *rand.Rand) ([]float64, error) {
	if err := tr.checkShape(t); err != nil {
		return nil, err
	}
	n, d := t.Rows(), tr.Dim()
	out := make([]float64, n*d)
	p := make([]float64, maxModes)
	at := 0
	for j, nc := range tr.Numeric {
		m := nc.Mixture
		k := len(m.Weights)
		for i, x := range t.Numeric[j] {
			m.posterior(x, p[:k])
			mode := draw(p[:k], rng)
			row := out[i*d+at:]
			row[0] = max(-0.99, min(0.99, (x-m.Means[mode])/(4*m.Stds[mode])))
			row[1+mode] = 1
		}
		at += 1 + k
	}
	for j, col := range t.Categorical {
		for i, c := range col {
			out[i*d+at+c] = 1
		}
		at += tr.Levels[j]
	}
	return out, nil
}

// draw returns an index drawn with the probabilities p (summing to 1).
func draw(p []float64, rng *rand.Rand) int {
	u := rng.Float64()
	for i, v := range p {
		u -= v
		if u < 0 {
			return i
		}
	}
	return len(p) - 1
}

// Inverse turns n transformed rows (row-major, n x Dim()) back into a table.
func (tr *Transformer) Inverse(rows []float64, n int) (smote.Table, error) {
	d := tr.Dim()
	if len(rows) != n*d {
		return smote.Table{}, fmt.Errorf("tabgan: %d values for %d rows of %d features", len(rows), n, d)
	}
	t := smote.Table{Numeric: make([][]float64, len(tr.Numeric)), Categorical: make([][]int, len(tr.Levels)), Levels: append([]int(nil), tr.Levels...)}
	at := 0
	for j, nc := range tr.Numeric {
		m := nc.Mixture
		k := len(m.Weights)
		col := make([]float64, n)
		for i := range col {
			row := rows[i*d+at:]
			mode := argmax(row[1 : 1+k])
			a := max(-1, min(1, row[0]))
			col[i] = max(nc.Min, min(nc.Max, a*4*m.Stds[mode]+m.Means[mode]))
		}
		t.Numeric[j] = col
		at += 1 + k
	}
	for j, l := range tr.Levels {
		col := make([]int, n)
		for i := range col {
			col[i] = argmax(rows[i*d+at : i*d+at+l])
		}
		t.Categorical[j] = col
		at += l
	}
	return t, nil
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
