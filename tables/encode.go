package tables

import (
	"fmt"
	"math"
	"time"

	"github.com/tailsynth/tailsynth/smote"
)

// Encoding maps the feature columns of a schema onto the shape of
// smote.Table and back.
//
// Numeric, Integer and Datetime features become float64 columns of
// Table.Numeric, in schema order; Kinds records which type each came from
// (Datetime as Unix seconds with fractions). Categorical and Boolean features
// become columns of Table.Categorical, in schema order, coded by their sorted
// levels (imbalanced-learn's OrdinalEncoder order, on which SMOTE-N's
// tie-breaks depend); a column that has missing values (Column.Missing > 0)
// gets one more code after its levels for "missing", as np.unique sorts NaN
// last. Label, Split and Excluded columns are not features.
type Encoding struct {
	Schema *Schema
	// Numeric[j] is the schema index of Table.Numeric[j]; Kinds[j] its type
	// (Numeric, Integer or Datetime).
	Numeric []int
	Kinds   []Type
	// Categorical[j] is the schema index of Table.Categorical[j].
	Categorical []int
	// Levels[j] are the strings behind the codes of Table.Categorical[j];
	// MissingCode[j] is the code of the missing level, or -1 when the column
	// has none. Levels[j] does not list the missing level.
	Levels      [][]string
	MissingCode []int
	// Classes are the levels of the label column (nil without one); a
	// class code is an index into Classes.
	Classes []string
}

// NewEncoding returns the encoding of the features of s.
func NewEncoding(s *Schema) *Encoding {
	e := &Encoding{Schema: s}
	for j := range s.Columns {
		c := &s.Columns[j]
		if c.Role == Label {
			e.Classes = c.Levels
		}
		if c.Role != Feature {
			continue
		}
		switch c.Type {
		case Numeric, Integer, Datetime:
			e.Numeric = append(e.Numeric, j)
			e.Kinds = append(e.Kinds, c.Type)
		case Categorical, Boolean:
			e.Categorical = append(e.Categorical, j)
			e.Levels = append(e.Levels, c.Levels)
			mc := -1
			if c.Missing > 0 {
				mc = len(c.Levels)
			}
			e.MissingCode = append(e.MissingCode, mc)
		}
	}
	return e
}

// Loaded is a table, or one class's rows of it, in the smote.Table shape.
type Loaded struct {
	Table smote.Table
	// Y is the class code of each row (an index into Encoding.Classes; -1
	// where the label is missing, which only a whole-table Load keeps), or
	// nil without a label column.
	Y []int
	// Rows is the index of each row in the source table.
	Rows []int64
}

// Load reads r to its end and returns the rows whose label is one of
// classes (every row when classes is empty) in the smote.Table shape of e.
// It holds one chunk and the rows kept: 8 bytes per numeric and per
// categorical cell, plus 16 bytes a row for Y and Rows. Missing numeric
// values are NaN (smote refuses them: impute first); missing categorical
// values get the column's missing code. A label that is missing is never
// one of classes.
func Load(r ChunkReader, e *Encoding, classes ...string) (*Loaded, error) {
	s := r.Schema()
	label := s.role(Label)
	if len(classes) > 0 && label < 0 {
		return nil, fmt.Errorf("rows of classes %s asked for, but the schema has no label column: %w", quoteList(classes), ErrMalformed)
	}
	want := map[int]bool{}
	for _, c := range classes {
		k := s.Columns[label].Code(c)
		if k < 0 {
			return nil, fmt.Errorf("class %q is not a value of the label column %q, whose classes are %s: %w", c, s.Columns[label].Name, quoteList(s.Columns[label].Levels), ErrMalformed)
		}
		want[k] = true
	}
	out := &Loaded{Table: smote.Table{
		Numeric:     make([][]float64, len(e.Numeric)),
		Categorical: make([][]int, len(e.Categorical)),
		Levels:      make([]int, len(e.Categorical)),
	}}
	for j := range e.Categorical {
		out.Table.Levels[j] = len(e.Levels[j])
		if e.MissingCode[j] >= 0 {
			out.Table.Levels[j]++
		}
	}
	err := Each(r, func(ch *Chunk) error {
		for i := 0; i < ch.Len; i++ {
			y := -1
			if label >= 0 {
				y = ch.Cols[label].Code[i]
				if len(want) > 0 && !want[y] {
					continue
				}
			}
			for j, sj := range e.Numeric {
				out.Table.Numeric[j] = append(out.Table.Numeric[j], toFloat(e.Kinds[j], &ch.Cols[sj], i))
			}
			for j, sj := range e.Categorical {
				code := ch.Cols[sj].Code[i]
				if code < 0 {
					code = e.MissingCode[j]
					if code < 0 {
						return fmt.Errorf("row %d, column %q: missing, but the schema counted no missing values there, so it has no missing level; infer the schema over the same rows: %w", ch.Start+int64(i), s.Columns[sj].Name, ErrMalformed)
					}
				}
				out.Table.Categorical[j] = append(out.Table.Categorical[j], code)
			}
			if label >= 0 {
				out.Y = append(out.Y, y)
			}
			out.Rows = append(out.Rows, ch.Start+int64(i))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func toFloat(t Type, c *Col, i int) float64 {
	if c.Missing[i] {
		return math.NaN()
	}
	switch t {
	case Integer:
		return float64(c.Int[i])
	case Datetime:
		return float64(c.Time[i].Unix()) + float64(c.Time[i].Nanosecond())/1e9
	}
	return c.Float[i]
}

// Decode turns rows in the smote.Table shape of e back into a chunk of the
// schema: integers rounded to the nearest whole number, datetimes from Unix
// seconds (rounded to the microsecond, in UTC), categories from their codes
// (the missing code gives a missing value), NaN as missing. The label column
// holds class (a level of the label column; empty for missing); the split
// column and every excluded column are missing.
func (e *Encoding) Decode(t smote.Table, class string) (*Chunk, error) {
	s := e.Schema
	if len(t.Numeric) != len(e.Numeric) || len(t.Categorical) != len(e.Categorical) {
		return nil, fmt.Errorf("table has %d numeric and %d categorical columns, want %d and %d as the encoding: %w",
			len(t.Numeric), len(t.Categorical), len(e.Numeric), len(e.Categorical), ErrMalformed)
	}
	n := t.Rows()
	label, code := s.role(Label), -1
	if label >= 0 && class != "" {
		if code = s.Columns[label].Code(class); code < 0 {
			return nil, fmt.Errorf("class %q is not a value of the label column %q: %w", class, s.Columns[label].Name, ErrMalformed)
		}
	}
	ch := NewChunk(s, n)
	ch.Len = n
	done := make([]bool, len(s.Columns))
	for j, sj := range e.Numeric {
		col := &ch.Cols[sj]
		for _, v := range t.Numeric[j] {
			if math.IsNaN(v) {
				col.AppendMissing(e.Kinds[j])
				continue
			}
			col.Missing = append(col.Missing, false)
			switch e.Kinds[j] {
			case Numeric:
				col.Float = append(col.Float, v)
			case Integer:
				col.Int = append(col.Int, int64(math.Round(v)))
			case Datetime:
				sec := math.Floor(v)
				ns := math.Round((v-sec)*1e6) * 1e3
				col.Time = append(col.Time, time.Unix(int64(sec), int64(ns)).UTC())
			}
		}
		done[sj] = true
	}
	for j, sj := range e.Categorical {
		col := &ch.Cols[sj]
		for i, c := range t.Categorical[j] {
			switch {
			case c == e.MissingCode[j]:
				col.AppendMissing(s.Columns[sj].Type)
			case c < 0 || c >= len(e.Levels[j]):
				return nil, fmt.Errorf("row %d, column %q: code %d is not one of the %d levels: %w", i, s.Columns[sj].Name, c, len(e.Levels[j]), ErrMalformed)
			default:
				col.Missing = append(col.Missing, false)
				col.Code = append(col.Code, c)
			}
		}
		done[sj] = true
	}
	for j := range s.Columns {
		if done[j] {
			continue
		}
		col := &ch.Cols[j]
		for range n {
			if j == label && code >= 0 {
				col.Missing = append(col.Missing, false)
				col.Code = append(col.Code, code)
			} else {
				col.AppendMissing(s.Columns[j].Type)
			}
		}
	}
	return ch, nil
}
