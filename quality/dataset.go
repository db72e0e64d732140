package quality

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/quality/neighbors"
)

// Dataset is a labelled set of float32 vectors: row i of X (a row-major
// matrix, one sample per row, e.g. a flattened image with values in [0, 1])
// has class Y[i] in [0, numClasses).
type Dataset struct {
	X blas32.General
	Y []int
}

// Len returns the number of rows.
func (d Dataset) Len() int { return d.X.Rows }

// Validate checks the matrix (see [neighbors.CheckMatrix]), one label per row
// and every label in [0, numClasses).
func (d Dataset) Validate(numClasses int) error {
	if err := neighbors.CheckMatrix("dataset", d.X); err != nil {
		return err
	}
	if len(d.Y) != d.X.Rows {
		return fmt.Errorf("dataset: %d labels for %d rows, want one label per row", len(d.Y), d.X.Rows)
	}
	for i, c := range d.Y {
		if c < 0 || c >= numClasses {
			return fmt.Errorf("dataset: label %d of row %d, want a class in [0, %d)", c, i, numClasses)
		}
	}
	return nil
}

// ClassCounts returns the number of rows of each class in [0, numClasses);
// labels outside that range are not counted.
func (d Dataset) ClassCounts(numClasses int) []int {
	out := make([]int, numClasses)
	for _, c := range d.Y {
		if c >= 0 && c < numClasses {
			out[c]++
		}
	}
	return out
}

// Subset returns the listed rows (copied) with their labels.
func (d Dataset) Subset(rows []int) Dataset {
	out := Dataset{X: newMatrix(len(rows), d.X.Cols), Y: make([]int, len(rows))}
	for i, r := range rows {
		copy(neighbors.Row(out.X, i), neighbors.Row(d.X, r))
		out.Y[i] = d.Y[r]
	}
	return out
}

// FromRows packs equal-length vectors and their labels into a Dataset.
func FromRows(rows [][]float32, labels []int) (Dataset, error) {
	if len(rows) == 0 {
		return Dataset{}, fmt.Errorf("dataset: no rows")
	}
	if len(labels) != len(rows) {
		return Dataset{}, fmt.Errorf("dataset: %d labels for %d rows, want one label per row", len(labels), len(rows))
	}
	d := len(rows[0])
	out := Dataset{X: newMatrix(len(rows), d), Y: append([]int(nil), labels...)}
	for i, r := range rows {
		if len(r) != d {
			return Dataset{}, fmt.Errorf("dataset: row %d has %d values, want %d like row 0", i, len(r), d)
		}
		copy(neighbors.Row(out.X, i), r)
	}
	return out, nil
}

// Concat returns the rows of a followed by the rows of b (copied). An empty
// Dataset (zero rows) on either side is allowed.
func Concat(a, b Dataset) (Dataset, error) {
	if a.X.Rows == 0 {
		return b.Subset(seq(b.X.Rows)), nil
	}
	if b.X.Rows == 0 {
		return a.Subset(seq(a.X.Rows)), nil
	}
	if a.X.Cols != b.X.Cols {
		return Dataset{}, fmt.Errorf("dataset: cannot concatenate %d-column rows with %d-column rows", a.X.Cols, b.X.Cols)
	}
	out := Dataset{X: newMatrix(a.X.Rows+b.X.Rows, a.X.Cols), Y: make([]int, 0, a.X.Rows+b.X.Rows)}
	for i := range a.X.Rows {
		copy(neighbors.Row(out.X, i), neighbors.Row(a.X, i))
	}
	for i := range b.X.Rows {
		copy(neighbors.Row(out.X, a.X.Rows+i), neighbors.Row(b.X, i))
	}
	out.Y = append(append(out.Y, a.Y...), b.Y...)
	return out, nil
}

func newMatrix(rows, cols int) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, rows*cols)}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
