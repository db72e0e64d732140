package smote

import (
	"fmt"
	"math"
	"slices"
)

// Table is a table of mixed columns, stored by column as CSV and Parquet
// readers produce them: Numeric[j][i] is row i of numeric column j, and
// Categorical[j][i] is the code of row i in categorical column j, a code in
// [0, Levels[j]). Every column has the same number of rows. The order of the
// columns in the source file, their names and the strings behind the codes
// are the caller's; [ResampleNC] and [ResampleN] return new rows in the same
// shape, with the same Levels.
//
// Numeric values must be finite: NaN and ±Inf are refused with an error
// naming the column and row, as imbalanced-learn refuses them. A missing
// category is best given its own code (a "missing" level), which SMOTE-NC and
// SMOTE-N then treat like any other level: a new row is missing there only
// when the most frequent level among its neighbours is the missing one.
//
// To match imbalanced-learn's SMOTE-N exactly on ties, give codes in the
// sorted order of the values, as its OrdinalEncoder does.
type Table struct {
	Numeric     [][]float64
	Categorical [][]int
	Levels      []int
}

// Rows returns the number of rows, read from the first column.
func (t Table) Rows() int {
	if len(t.Numeric) > 0 {
		return len(t.Numeric[0])
	}
	if len(t.Categorical) > 0 {
		return len(t.Categorical[0])
	}
	return 0
}

// Check reports the first way in which t is malformed: ragged columns, a
// Levels entry per categorical column missing or below 1, a code outside
// [0, Levels[j]), or a numeric value that is NaN or infinite.
func (t Table) Check() error {
	n := t.Rows()
	if len(t.Levels) != len(t.Categorical) {
		return fmt.Errorf("smote: table has %d categorical column(s) and %d Levels entries, want one entry per categorical column", len(t.Categorical), len(t.Levels))
	}
	for j, col := range t.Numeric {
		if len(col) != n {
			return fmt.Errorf("smote: numeric column %d has %d rows, want %d like the first column", j, len(col), n)
		}
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("smote: numeric column %d, row %d is %v; SMOTE-NC needs finite numbers (imbalanced-learn refuses them too): impute the value, or turn missingness into a categorical column", j, i, v)
			}
		}
	}
	for j, col := range t.Categorical {
		if len(col) != n {
			return fmt.Errorf("smote: categorical column %d has %d rows, want %d like the first column", j, len(col), n)
		}
		if t.Levels[j] < 1 {
			return fmt.Errorf("smote: Levels[%d] = %d, want >= 1", j, t.Levels[j])
		}
		for i, c := range col {
			if c < 0 || c >= t.Levels[j] {
				return fmt.Errorf("smote: categorical column %d, row %d has code %d, want a code in [0, %d) (Levels[%d] = %d)", j, i, c, t.Levels[j], j, t.Levels[j])
			}
		}
	}
	return nil
}

// Append returns t with the rows of u added after its own, as the built-in
// append does for a slice: t's columns may be grown in place, so use the
// result and not t afterwards. A zero t (no columns, no Levels) takes u's
// shape, so rows can be gathered from the zero Table. It panics if u has
// other numbers of numeric and categorical columns or other Levels than a
// non-zero t; codes are not re-mapped, so both must come from one
// encoding.
func (t Table) Append(u Table) Table {
	if t.Numeric == nil && t.Categorical == nil && t.Levels == nil {
		t = u.newTable(0)
	}
	if len(u.Numeric) != len(t.Numeric) || len(u.Categorical) != len(t.Categorical) || !slices.Equal(u.Levels, t.Levels) {
		panic(fmt.Sprintf("smote: Append of a table of %d numeric and %d categorical columns (levels %v) to one of %d and %d (levels %v); want the same columns",
			len(u.Numeric), len(u.Categorical), u.Levels, len(t.Numeric), len(t.Categorical), t.Levels))
	}
	for j := range t.Numeric {
		t.Numeric[j] = append(t.Numeric[j], u.Numeric[j]...)
	}
	for j := range t.Categorical {
		t.Categorical[j] = append(t.Categorical[j], u.Categorical[j]...)
	}
	return t
}

// Select returns a new table of the given rows of t, in that order (a row
// may repeat), with t's columns and a copy of its Levels; t is not
// changed. It panics if a row is out of range.
func (t Table) Select(rows []int) Table {
	out := t.newTable(len(rows))
	for j, col := range t.Numeric {
		for i, r := range rows {
			out.Numeric[j][i] = col[r]
		}
	}
	for j, col := range t.Categorical {
		for i, r := range rows {
			out.Categorical[j][i] = col[r]
		}
	}
	return out
}

// newTable returns a table of n rows shaped like t.
func (t Table) newTable(n int) Table {
	out := Table{
		Numeric:     make([][]float64, len(t.Numeric)),
		Categorical: make([][]int, len(t.Categorical)),
		Levels:      append([]int(nil), t.Levels...),
	}
	for j := range out.Numeric {
		out.Numeric[j] = make([]float64, n)
	}
	for j := range out.Categorical {
		out.Categorical[j] = make([]int, n)
	}
	return out
}

// TableProvenance records how one synthetic table row was made. For SMOTE-NC
// the numeric columns are x[Base] + Gap·(x[Neighbor] − x[Base]) and each
// categorical column holds the most frequent code among Voters, the k nearest
// neighbours of Base (Base itself excluded, as in imbalanced-learn). For
// SMOTE-N there is no interpolation (Neighbor is −1, Gap 0) and Voters are
// Base and its k nearest neighbours. Votes[j] is how many voters hold the code
// chosen for categorical column j. Indices are rows of the input table.
type TableProvenance struct {
	Base     int     `json:"base"`
	Neighbor int     `json:"neighbor"`
	Gap      float64 `json:"gap"`
	Voters   []int   `json:"voters"`
	Votes    []int   `json:"votes,omitempty"`
}

// TableResampled is the output of [ResampleNC] and [ResampleN]: the new rows
// only (grouped by class in increasing order), their labels and provenance.
type TableResampled struct {
	Table      Table
	Y          []int
	Provenance []TableProvenance
	// K is the number of neighbours used per class: min(k, rows−1).
	K map[int]int
	// MedianStd is SMOTE-NC's scale: the median over numeric columns of the
	// (population) standard deviation within the minority class. Zero for
	// SMOTE-N.
	MedianStd float64
}

// tally counts the codes of categorical column col among rows and returns
// the codes with the highest count, in increasing order, and that count.
// counts is scratch space of at least Levels[j] entries.
func tally(col []int, rows []int, counts []int) (top []int, votes int) {
	clear(counts)
	for _, r := range rows {
		counts[col[r]]++
	}
	for c, v := range counts {
		switch {
		case v > votes:
			votes, top = v, append(top[:0], c)
		case v == votes && v > 0:
			top = append(top, c)
		}
	}
	return top, votes
}

func maxLevels(levels []int) int {
	m := 0
	for _, l := range levels {
		m = max(m, l)
	}
	return m
}
