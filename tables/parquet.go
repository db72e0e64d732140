package tables

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ParquetPart is one Parquet file of a table. Name is used in errors only.
type ParquetPart struct {
	Name string
	R    io.ReaderAt
	Size int64
}

func (p *ParquetPart) label(i int) string {
	if p.Name != "" {
		return fmt.Sprintf("part %q", p.Name)
	}
	return fmt.Sprintf("part #%d", i+1)
}

// natural is how a Parquet leaf is read before any override.
type natural int

const (
	natBool natural = iota + 1
	natInt
	natFloat
	natDecimal // an INT32/INT64 decimal: Int64 / 10^scale
	natTime    // INT64 timestamp in Column.Unit
	natDate    // INT32 days since the epoch
	natString
)

// pqLeaf is one leaf column of a Parquet part.
type pqLeaf struct {
	name  string
	typ   string // the Parquet type as text, compared across parts
	nat   natural
	col   Column // the column before overrides and roles
	scale float64
}

// describe maps a Parquet leaf to its natural column.
func describe(f parquet.Field) (pqLeaf, error) {
	l := pqLeaf{name: f.Name(), typ: f.Type().String(), col: Column{Name: f.Name()}}
	if !f.Leaf() || f.Repeated() {
		return l, fmt.Errorf("column %q is a group or a repeated field (%s); only flat tables of plain columns are read: %w", l.name, f.String(), ErrMalformed)
	}
	var lt format.LogicalTypeValue
	if t := f.Type().LogicalType(); t != nil {
		lt = t.Value
	}
	unsupported := func() (pqLeaf, error) {
		return l, fmt.Errorf("column %q has the Parquet type %s, which is not read; supported: BOOLEAN, INT32/INT64 (plain, INT, DECIMAL, DATE, TIMESTAMP), FLOAT, DOUBLE, BYTE_ARRAY strings and enums: %w", l.name, l.typ, ErrMalformed)
	}
	switch f.Type().Kind() {
	case parquet.Boolean:
		l.nat, l.col.Type, l.col.Levels = natBool, Boolean, []string{"false", "true"}
	case parquet.Int32, parquet.Int64:
		bits := 64
		if f.Type().Kind() == parquet.Int32 {
			bits = 32
		}
		switch t := lt.(type) {
		case nil, *format.IntType:
			l.nat, l.col.Type, l.col.Bits = natInt, Integer, bits
		case *format.DecimalType:
			l.nat, l.col.Type, l.scale = natDecimal, Numeric, math.Pow10(int(t.Scale))
		case *format.DateType:
			l.nat, l.col.Type, l.col.Unit = natDate, Datetime, "date"
		case *format.TimestampType:
			l.nat, l.col.Type, l.col.Zoned = natTime, Datetime, t.IsAdjustedToUTC
			switch t.Unit.Value.(type) {
			case *format.MilliSeconds:
				l.col.Unit = "ms"
			case *format.MicroSeconds:
				l.col.Unit = "us"
			default:
				l.col.Unit = "ns"
			}
		default:
			return unsupported()
		}
	case parquet.Float:
		l.nat, l.col.Type, l.col.Bits = natFloat, Numeric, 32
	case parquet.Double:
		l.nat, l.col.Type = natFloat, Numeric
	case parquet.ByteArray:
		switch lt.(type) {
		case nil, *format.StringType, *format.EnumType, *format.JsonType:
			l.nat, l.col.Type = natString, Categorical
		default:
			return unsupported()
		}
	default:
		return unsupported()
	}
	return l, nil
}

func unitDuration(unit string) time.Duration {
	switch unit {
	case "ms":
		return time.Millisecond
	case "us":
		return time.Microsecond
	}
	return time.Nanosecond
}

// value is one non-null Parquet value in its natural form.
type value struct {
	b bool
	i int64
	f float64
	t time.Time
	s string
}

// read converts v (not null) to its natural form; ok is false for NaN,
// which is read as missing.
func (l *pqLeaf) read(v parquet.Value) (out value, ok bool) {
	switch l.nat {
	case natBool:
		out.b = v.Boolean()
	case natInt:
		if v.Kind() == parquet.Int32 {
			out.i = int64(v.Int32())
		} else {
			out.i = v.Int64()
		}
	case natFloat:
		if v.Kind() == parquet.Float {
			out.f = float64(v.Float())
		} else {
			out.f = v.Double()
		}
		if math.IsNaN(out.f) {
			return out, false
		}
	case natDecimal:
		i := v.Int64()
		if v.Kind() == parquet.Int32 {
			i = int64(v.Int32())
		}
		out.f = float64(i) / l.scale
	case natDate:
		out.t = time.Unix(int64(v.Int32())*86400, 0).UTC()
	case natTime:
		d := unitDuration(l.col.Unit)
		n := v.Int64()
		out.t = time.Unix(n/int64(time.Second/d), n%int64(time.Second/d)*int64(d)).UTC()
	case natString:
		out.s = string(v.ByteArray())
	}
	return out, true
}

// text formats a natural value as a level or text cell.
func (l *pqLeaf) text(v value) string {
	switch l.nat {
	case natBool:
		return strconv.FormatBool(v.b)
	case natInt:
		return strconv.FormatInt(v.i, 10)
	case natFloat, natDecimal:
		return strconv.FormatFloat(v.f, 'g', -1, 64)
	case natDate:
		return v.t.Format("2006-01-02")
	case natTime:
		return v.t.Format(time.RFC3339Nano)
	}
	return v.s
}

// canBe reports whether the leaf may be read as type t.
func (l *pqLeaf) canBe(t Type) bool {
	switch {
	case t == l.col.Type, t == Categorical, t == Text:
		return true
	case t == Numeric:
		return l.nat == natInt
	}
	return false
}

// openParquet opens every part and checks that they share one flat schema.
func openParquet(parts []ParquetPart) ([]*parquet.File, []pqLeaf, error) {
	if len(parts) == 0 {
		return nil, nil, fmt.Errorf("no Parquet parts to read: %w", ErrMalformed)
	}
	var files []*parquet.File
	var first []pqLeaf
	for i := range parts {
		p := &parts[i]
		f, err := parquet.OpenFile(p.R, p.Size)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: not a readable Parquet file: %w: %w", p.label(i), ErrMalformed, err)
		}
		var leaves []pqLeaf
		for _, fd := range f.Schema().Fields() {
			l, err := describe(fd)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", p.label(i), err)
			}
			leaves = append(leaves, l)
		}
		if i == 0 {
			first = leaves
		} else if err := sameSchema(leaves, first); err != nil {
			return nil, nil, fmt.Errorf("%s: schema differs from %s's: %w; every part of a table must have the same columns, in the same order, of the same types", p.label(i), parts[0].label(0), err)
		}
		files = append(files, f)
	}
	return files, first, nil
}

func sameSchema(got, want []pqLeaf) error {
	for j := 0; j < len(got) || j < len(want); j++ {
		switch {
		case j >= len(want):
			return fmt.Errorf("it has an extra column %q (%s) after the last column %q: %w", got[j].name, got[j].typ, want[len(want)-1].name, ErrMalformed)
		case j >= len(got):
			return fmt.Errorf("it lacks column %q (%s), column %d: %w", want[j].name, want[j].typ, j+1, ErrMalformed)
		case got[j].name != want[j].name:
			return fmt.Errorf("its column %d is %q, want %q: %w", j+1, got[j].name, want[j].name, ErrMalformed)
		case got[j].typ != want[j].typ:
			return fmt.Errorf("column %q is %s, want %s: %w", got[j].name, got[j].typ, want[j].typ, ErrMalformed)
		}
	}
	return nil
}

// InferParquet opens every part, checks that all share the first part's
// schema (the same flat columns in the same order with the same Parquet
// types; an error names the first difference), maps the Parquet types to
// column types (see the package doc), applies the options, and reads every
// value once, column by column, to count missing values and collect the
// levels of categorical columns. It holds the parts' footers, one page of
// one column and the distinct values it keeps (as InferCSV).
func InferParquet(parts []ParquetPart, opts Options) (*Schema, error) {
	files, leaves, err := openParquet(parts)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(leaves))
	for j, l := range leaves {
		names[j] = l.name
	}
	if err := opts.check(names); err != nil {
		return nil, err
	}
	stats := make([]*cellStats, len(leaves))
	for j := range leaves {
		l := &leaves[j]
		st := newCellStats(l.name, &opts)
		if st.override != 0 && !l.canBe(st.override) {
			return nil, fmt.Errorf("column %q: the override %s=%s does not fit its Parquet type %s; a Parquet column may be made categorical or text, or an integer numeric: %w", l.name, l.name, st.override, l.typ, ErrMalformed)
		}
		stats[j] = st
	}
	buf := make([]parquet.Value, 1024)
	for i, f := range files {
		for _, rg := range f.RowGroups() {
			for j, cc := range rg.ColumnChunks() {
				l, st := &leaves[j], stats[j]
				need := st.override == Categorical || st.override == Text || (st.override == 0 && (l.nat == natString || st.role == Label || st.role == Split))
				var row int64
				where := func() string { return fmt.Sprintf("%s row %d", parts[i].label(i), row) }
				err := eachValue(cc, buf, func(v parquet.Value) error {
					row++
					if v.IsNull() {
						st.missing++
						return nil
					}
					nv, ok := l.read(v)
					if !ok {
						st.missing++
						return nil
					}
					st.n++
					if need {
						return st.addDistinct(l.text(nv), where)
					}
					return nil
				})
				if err != nil {
					return nil, fmt.Errorf("%s, column %q: %w", parts[i].label(i), l.name, err)
				}
			}
		}
	}
	s := &Schema{Columns: make([]Column, len(leaves))}
	for j, l := range leaves {
		st := stats[j]
		c := l.col
		c.Role, c.Missing = st.role, st.missing
		t := st.override
		if t == 0 && (st.role == Label || st.role == Split) && l.col.Type != Boolean {
			t = Categorical
		}
		if t == 0 && l.nat == natString && st.overflow {
			t = Text
			c.Why = fmt.Sprintf("id-like: more than %d distinct strings", st.cap)
		}
		if t != 0 && t != c.Type {
			c.Type, c.Levels, c.Unit, c.Zoned, c.Bits = t, nil, "", false, 0
		}
		switch c.Type {
		case Categorical:
			c.Levels = sortedKeys(st.distinct)
		case Text:
			if c.Role == Feature {
				c.Role = Excluded
			}
		}
		if st.n == 0 && c.Role == Feature {
			c.Role, c.Why = Excluded, "all values missing"
		}
		s.Columns[j] = c
	}
	return s, nil
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortLevels(out)
	return out
}

// eachValue calls f with every value of a column chunk, a page at a time.
func eachValue(cc parquet.ColumnChunk, buf []parquet.Value, f func(parquet.Value) error) error {
	pages := cc.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading a page: %w", err)
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				if err := f(v); err != nil {
					parquet.Release(p)
					return err
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return fmt.Errorf("reading values: %w", err)
			}
		}
		parquet.Release(p)
	}
}

// ParquetReader reads Parquet parts a chunk of rows at a time.
type ParquetReader struct {
	parts  []ParquetPart
	files  []*parquet.File
	leaves []pqLeaf
	schema *Schema
	n      int
	part   int
	r      *parquet.Reader
	row    int64 // rows read in the current part
	start  int64
	rows   []parquet.Row
	err    error
}

// NewParquetReader reads parts with schema s (from InferParquet over the same
// parts, or one the caller holds) in chunks of chunkRows rows (0 means
// DefaultChunkRows). Every part must have the schema's columns with types
// the schema's types can be read from.
func NewParquetReader(parts []ParquetPart, s *Schema, chunkRows int) (*ParquetReader, error) {
	files, leaves, err := openParquet(parts)
	if err != nil {
		return nil, err
	}
	if len(leaves) != len(s.Columns) {
		return nil, fmt.Errorf("%s has %d columns, want %d as in the schema (%s): %w", parts[0].label(0), len(leaves), len(s.Columns), quoteList(s.Names()), ErrMalformed)
	}
	for j := range leaves {
		c := &s.Columns[j]
		if leaves[j].name != c.Name || !leaves[j].canBe(c.Type) {
			return nil, fmt.Errorf("%s: column %d is %q (%s), which cannot be read as the schema's %q (%s): %w", parts[0].label(0), j+1, leaves[j].name, leaves[j].typ, c.Name, c.Type, ErrMalformed)
		}
	}
	if chunkRows <= 0 {
		chunkRows = DefaultChunkRows
	}
	r := &ParquetReader{parts: parts, files: files, leaves: leaves, schema: s, n: chunkRows, part: -1}
	r.rows = make([]parquet.Row, min(chunkRows, 1024))
	return r, nil
}

// Schema returns the schema the reader reads with.
func (r *ParquetReader) Schema() *Schema { return r.schema }

// Next returns the next chunk of at most chunkRows rows, or io.EOF.
func (r *ParquetReader) Next() (*Chunk, error) {
	if r.err != nil {
		return nil, r.err
	}
	c := NewChunk(r.schema, r.n)
	c.Start = r.start
	for c.Len < r.n {
		if r.r == nil {
			r.part++
			if r.part >= len(r.files) {
				r.err = io.EOF
				break
			}
			r.r = parquet.NewReader(r.files[r.part])
			r.row = 0
		}
		k, err := r.r.ReadRows(r.rows[:min(len(r.rows), r.n-c.Len)])
		for _, row := range r.rows[:k] {
			r.row++
			if e := r.appendRow(c, row); e != nil {
				r.err = e
				return nil, e
			}
			c.Len++
		}
		if errors.Is(err, io.EOF) || (k == 0 && err == nil) {
			r.r.Close()
			r.r = nil
		} else if err != nil {
			r.err = fmt.Errorf("%s: reading rows: %w", r.parts[r.part].label(r.part), err)
			return nil, r.err
		}
	}
	if c.Len == 0 {
		return nil, r.err
	}
	r.start += int64(c.Len)
	return c, nil
}

func (r *ParquetReader) appendRow(c *Chunk, row parquet.Row) error {
	if len(row) != len(r.leaves) {
		return fmt.Errorf("%s row %d: %d values, want one for each of the %d columns: %w", r.parts[r.part].label(r.part), r.row, len(row), len(r.leaves), ErrMalformed)
	}
	for _, v := range row {
		j := v.Column()
		col, dst, l := &r.schema.Columns[j], &c.Cols[j], &r.leaves[j]
		if v.IsNull() {
			dst.AppendMissing(col.Type)
			continue
		}
		nv, ok := l.read(v)
		if !ok {
			dst.AppendMissing(col.Type)
			continue
		}
		if col.Type == l.col.Type && col.Type != Categorical {
			switch col.Type {
			case Numeric:
				dst.Float = append(dst.Float, nv.f)
			case Integer:
				dst.Int = append(dst.Int, nv.i)
			case Boolean:
				dst.Code = append(dst.Code, b2i(nv.b))
			case Datetime:
				dst.Time = append(dst.Time, nv.t)
			}
			dst.Missing = append(dst.Missing, false)
			continue
		}
		if col.Type == Numeric { // an integer read as numeric
			dst.Float = append(dst.Float, float64(nv.i))
			dst.Missing = append(dst.Missing, false)
			continue
		}
		if err := appendCell(col, dst, l.text(nv)); err != nil {
			return fmt.Errorf("%s row %d, column %q: %w", r.parts[r.part].label(r.part), r.row, col.Name, err)
		}
	}
	return nil
}
