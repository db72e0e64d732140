package tables

import (
	"io"
	"strings"
	"time"
)

// DefaultChunkRows is the chunk size readers use when asked for 0 rows.
const DefaultChunkRows = 4096

// Chunk is a run of consecutive rows of a table, stored by column.
type Chunk struct {
	// Start is the index of the chunk's first row in the whole table (all
	// parts, counted from 0).
	Start int64
	// Len is the number of rows.
	Len int
	// Cols holds one column per schema column, in the schema's order.
	Cols []Col
}

// Col is one column of a chunk. Missing is always set; of the value slices,
// only the one for the column's type is:
//
//	Numeric      Float (NaN where missing)
//	Integer      Int
//	Categorical  Code, an index into Column.Levels (-1 where missing)
//	Boolean      Code, 0 = false, 1 = true (-1 where missing)
//	Datetime     Time
//	Text         Text
type Col struct {
	Missing []bool
	Float   []float64
	Int     []int64
	Code    []int
	Time    []time.Time
	Text    []string
}

// NewChunk returns an empty chunk shaped for s with room for n rows.
func NewChunk(s *Schema, n int) *Chunk {
	c := &Chunk{Cols: make([]Col, len(s.Columns))}
	for j := range s.Columns {
		col := &c.Cols[j]
		col.Missing = make([]bool, 0, n)
		switch s.Columns[j].Type {
		case Numeric:
			col.Float = make([]float64, 0, n)
		case Integer:
			col.Int = make([]int64, 0, n)
		case Categorical, Boolean:
			col.Code = make([]int, 0, n)
		case Datetime:
			col.Time = make([]time.Time, 0, n)
		case Text:
			col.Text = make([]string, 0, n)
		}
	}
	return c
}

// AppendMissing appends a missing value to a column of type t.
func (c *Col) AppendMissing(t Type) {
	c.Missing = append(c.Missing, true)
	switch t {
	case Numeric:
		c.Float = append(c.Float, nan)
	case Integer:
		c.Int = append(c.Int, 0)
	case Categorical, Boolean:
		c.Code = append(c.Code, -1)
	case Datetime:
		c.Time = append(c.Time, time.Time{})
	case Text:
		c.Text = append(c.Text, "")
	}
}

// Value returns row i of column j as text (as a CSV writer writes it) and
// whether it is missing.
func (c *Chunk) Value(s *Schema, j, i int) (string, bool) {
	col := &c.Cols[j]
	if col.Missing[i] {
		return "", true
	}
	return formatCell(&s.Columns[j], col, i), false
}

// ChunkReader reads a table a chunk at a time. Next returns io.EOF after the
// last chunk. Each chunk is newly allocated, so a caller may keep it; a
// reader holds only the chunk it is filling and its input's buffers.
type ChunkReader interface {
	Schema() *Schema
	Next() (*Chunk, error)
}

// Each calls f with every chunk of r in order, stopping at the first error.
func Each(r ChunkReader, f func(*Chunk) error) error {
	for {
		c, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := f(c); err != nil {
			return err
		}
	}
}

func hasZone(layout string) bool { return strings.Contains(layout, "Z07") }

func parseTime(layout, v string) (time.Time, bool) {
	t, err := time.Parse(layout, v)
	return t, err == nil
}
