package tables

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Writer writes chunks of rows of one schema to a file.
type Writer interface {
	// Write appends the rows of c, whose columns are those of the
	// writer's schema.
	Write(c *Chunk) error
	// Close writes what is buffered and the file's end; it does not close
	// the underlying io.Writer.
	Close() error
}

var (
	_ Writer = (*CSVWriter)(nil)
	_ Writer = (*ParquetWriter)(nil)
)

// checkChunk reports a chunk that does not fit s.
func checkChunk(s *Schema, c *Chunk) error {
	if len(c.Cols) != len(s.Columns) {
		return fmt.Errorf("chunk has %d columns, want %d as the schema: %w", len(c.Cols), len(s.Columns), ErrMalformed)
	}
	for j := range c.Cols {
		col, cc := &s.Columns[j], &c.Cols[j]
		n := map[Type]int{Numeric: len(cc.Float), Integer: len(cc.Int), Categorical: len(cc.Code), Boolean: len(cc.Code), Datetime: len(cc.Time), Text: len(cc.Text)}[col.Type]
		if len(cc.Missing) != c.Len || n != c.Len {
			return fmt.Errorf("column %q (%s) has %d values and %d missing flags, want %d: %w", col.Name, col.Type, n, len(cc.Missing), c.Len, ErrMalformed)
		}
		if col.Type == Categorical || col.Type == Boolean {
			for i, k := range cc.Code {
				if !cc.Missing[i] && (k < 0 || k >= len(col.Levels)) {
					return fmt.Errorf("column %q row %d: code %d is not one of the %d known levels; a written category must be one of those read: %w", col.Name, i, k, len(col.Levels), ErrMalformed)
				}
			}
		}
	}
	return nil
}

// CSVWriter writes data.csv: a header of the schema's names, then one
// record a row in the schema's column order. Missing values are empty cells;
// integers are written as integers, numbers with a decimal point or an
// exponent (so that pandas reads them as float64), booleans as true/false,
// categories as their level, datetimes in the column's layout (with
// fractional seconds only where a value has them).
type CSVWriter struct {
	w   *csv.Writer
	s   *Schema
	rec []string
}

// NewCSVWriter writes the header of s to w and returns a writer for rows.
func NewCSVWriter(w io.Writer, s *Schema) (*CSVWriter, error) {
	cw := &CSVWriter{w: csv.NewWriter(w), s: s, rec: make([]string, len(s.Columns))}
	if err := cw.w.Write(s.Names()); err != nil {
		return nil, fmt.Errorf("writing the CSV header: %w", err)
	}
	return cw, nil
}

// Write writes the rows of c.
func (w *CSVWriter) Write(c *Chunk) error {
	if err := checkChunk(w.s, c); err != nil {
		return err
	}
	for i := 0; i < c.Len; i++ {
		for j := range w.s.Columns {
			v, _ := c.Value(w.s, j, i)
			if w.s.Columns[j].Type == Numeric && v != "" && !strings.ContainsAny(v, ".eEnN") {
				v += ".0"
			}
			w.rec[j] = v
		}
		if err := w.w.Write(w.rec); err != nil {
			return fmt.Errorf("writing CSV: %w", err)
		}
	}
	return nil
}

// Close flushes the rows written.
func (w *CSVWriter) Close() error {
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// orderedGroup is a Parquet group whose fields keep the table's column
// order (parquet.Group sorts them by name).
type orderedGroup struct {
	parquet.Group
	order []string
}

func (g orderedGroup) Fields() []parquet.Field {
	fields := g.Group.Fields()
	slices.SortStableFunc(fields, func(a, b parquet.Field) int {
		return slices.Index(g.order, a.Name()) - slices.Index(g.order, b.Name())
	})
	return fields
}

// ParquetSchema returns the Parquet schema that ParquetWriter writes for s:
// every column optional (nullable), in the schema's order. Numeric is
// DOUBLE (FLOAT where the input had FLOAT), Integer INT(64) (INT(32) where
// the input had 32 bits), Boolean BOOLEAN, Categorical and Text STRING,
// Datetime TIMESTAMP in the input's unit (nanoseconds when it had none;
// isAdjustedToUTC when the column is zoned) or DATE where the input had
// DATE.
func ParquetSchema(s *Schema) *parquet.Schema {
	g := orderedGroup{Group: parquet.Group{}, order: s.Names()}
	for _, c := range s.Columns {
		var n parquet.Node
		switch c.Type {
		case Numeric:
			n = parquet.Leaf(parquet.DoubleType)
			if c.Bits == 32 {
				n = parquet.Leaf(parquet.FloatType)
			}
		case Integer:
			n = parquet.Int(64)
			if c.Bits == 32 {
				n = parquet.Int(32)
			}
		case Boolean:
			n = parquet.Leaf(parquet.BooleanType)
		case Datetime:
			switch c.Unit {
			case "date":
				n = parquet.Date()
			case "ms":
				n = parquet.TimestampAdjusted(parquet.Millisecond, c.Zoned)
			case "us":
				n = parquet.TimestampAdjusted(parquet.Microsecond, c.Zoned)
			default:
				n = parquet.TimestampAdjusted(parquet.Nanosecond, c.Zoned)
			}
		default:
			n = parquet.String()
		}
		g.Group[c.Name] = parquet.Optional(n)
	}
	return parquet.NewSchema("tailsynth", g)
}

// ParquetWriter writes data.parquet with ParquetSchema(s): missing values
// are nulls, categories their level strings, datetimes timestamps.
type ParquetWriter struct {
	w    *parquet.Writer
	s    *Schema
	rows []parquet.Row
}

// ParquetRowGroupRows is the most rows a row group of ParquetWriter holds;
// the writer keeps one row group's encoded pages in memory until it is full.
const ParquetRowGroupRows = 1 << 16

// NewParquetWriter returns a writer of rows of s to w, Snappy-compressed (as
// pyarrow writes by default) in row groups of at most ParquetRowGroupRows.
func NewParquetWriter(w io.Writer, s *Schema) (*ParquetWriter, error) {
	pw := parquet.NewWriter(w, ParquetSchema(s), parquet.Compression(&parquet.Snappy), parquet.MaxRowsPerRowGroup(ParquetRowGroupRows))
	return &ParquetWriter{w: pw, s: s}, nil
}

// Write writes the rows of c.
func (w *ParquetWriter) Write(c *Chunk) error {
	if err := checkChunk(w.s, c); err != nil {
		return err
	}
	w.rows = slices.Grow(w.rows[:0], c.Len)[:c.Len]
	for i := range w.rows {
		row := w.rows[i][:0]
		for j := range w.s.Columns {
			row = append(row, pqValue(&w.s.Columns[j], &c.Cols[j], i).Level(0, 1, j))
			if c.Cols[j].Missing[i] {
				row[j] = parquet.NullValue().Level(0, 0, j)
			}
		}
		w.rows[i] = row
	}
	if _, err := w.w.WriteRows(w.rows); err != nil {
		return fmt.Errorf("writing Parquet: %w", err)
	}
	return nil
}

func pqValue(col *Column, c *Col, i int) parquet.Value {
	if c.Missing[i] {
		return parquet.NullValue()
	}
	switch col.Type {
	case Numeric:
		if col.Bits == 32 {
			return parquet.FloatValue(float32(c.Float[i]))
		}
		return parquet.DoubleValue(c.Float[i])
	case Integer:
		if col.Bits == 32 {
			return parquet.Int32Value(int32(c.Int[i]))
		}
		return parquet.Int64Value(c.Int[i])
	case Boolean:
		return parquet.BooleanValue(c.Code[i] == 1)
	case Categorical:
		return parquet.ByteArrayValue([]byte(col.Levels[c.Code[i]]))
	case Datetime:
		t := c.Time[i]
		switch col.Unit {
		case "date":
			days := t.Unix() / 86400
			if t.Unix() < 0 && t.Unix()%86400 != 0 {
				days--
			}
			return parquet.Int32Value(int32(days))
		case "ms":
			return parquet.Int64Value(t.UnixMilli())
		case "us":
			return parquet.Int64Value(t.UnixMicro())
		}
		return parquet.Int64Value(t.UnixNano())
	}
	return parquet.ByteArrayValue([]byte(c.Text[i]))
}

// Close writes the last row group and the file's footer.
func (w *ParquetWriter) Close() error {
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("writing Parquet: %w", err)
	}
	return nil
}
