package tables

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

var nan = math.NaN()

// CSVPart is one CSV file of a table. Name is used in errors only.
type CSVPart struct {
	Name string
	R    io.Reader
}

// MaxRecordBytes bounds one CSV record (a row, quoted line breaks
// included): encoding/csv holds a whole record in memory, so without a
// bound one unterminated quote or one enormous cell would read the rest of
// a file of any size into memory. 16 MiB is far above any row of a table
// a classifier is trained on (10,000 columns of 20 characters is 200 KB).
var MaxRecordBytes int64 = 16 << 20

// recordBudget counts the bytes the CSV reader pulls from a part since the
// last record boundary, and fails once they pass MaxRecordBytes. The
// reader buffers ahead (4 KiB), so a record is refused at most a buffer
// past the bound.
type recordBudget struct {
	r    io.Reader
	n    int64
	over bool
}

// errRecordTooLong is what recordBudget returns; csvSource words it.
var errRecordTooLong = errors.New("record too long")

func (b *recordBudget) Read(p []byte) (int, error) {
	if b.over {
		return 0, errRecordTooLong
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > MaxRecordBytes {
		b.over = true
		return n, errRecordTooLong
	}
	return n, err
}

// csvSource reads the records of a list of CSV parts, checking that every
// part has the header of the first.
type csvSource struct {
	parts   []CSVPart
	part    int
	budget  *recordBudget
	r       *csv.Reader
	header  []string
	row     int // data rows read in the current part
	missing map[string]bool
}

func newCSVSource(parts []CSVPart, missing []string) (*csvSource, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("no CSV parts to read: %w", ErrMalformed)
	}
	s := &csvSource{parts: parts, part: -1, missing: make(map[string]bool)}
	for _, m := range missing {
		s.missing[m] = true
	}
	if err := s.nextPart(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *csvSource) name() string {
	if len(s.parts) == 1 && s.parts[0].Name == "" {
		return ""
	}
	n := s.parts[s.part].Name
	if n == "" {
		n = fmt.Sprintf("#%d", s.part+1)
	}
	return fmt.Sprintf("part %q ", n)
}

// nextPart opens the next part and reads its header; io.EOF when none is left.
func (s *csvSource) nextPart() error {
	s.part++
	if s.part >= len(s.parts) {
		return io.EOF
	}
	s.budget = &recordBudget{r: s.parts[s.part].R}
	s.r = csv.NewReader(s.budget)
	s.r.FieldsPerRecord = -1
	s.r.ReuseRecord = true
	s.row = 0
	h, err := s.r.Read()
	if err == io.EOF {
		return fmt.Errorf("%sis empty; a CSV table needs a header row naming its columns: %w", s.name(), ErrMalformed)
	}
	if err != nil {
		return fmt.Errorf("%sheader: %w", s.name(), s.readError(err))
	}
	s.budget.n = 0
	h = slices.Clone(h)
	if s.header == nil {
		seen := map[string]bool{}
		for i, n := range h {
			if n == "" {
				return fmt.Errorf("%sheader: column %d has no name; a CSV table needs a header row naming every column: %w", s.name(), i+1, ErrMalformed)
			}
			if seen[n] {
				return fmt.Errorf("%sheader: column name %q appears twice; names must be unique: %w", s.name(), n, ErrMalformed)
			}
			seen[n] = true
		}
		s.header = h
		return nil
	}
	if !slices.Equal(h, s.header) {
		return fmt.Errorf("%sheader is %s, want %s as in part %q: every part must have the same columns in the same order: %w",
			s.name(), quoteList(h), quoteList(s.header), s.parts[0].Name, ErrMalformed)
	}
	return nil
}

// readError words an error of the CSV reader.
func (s *csvSource) readError(err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errRecordTooLong):
		return fmt.Errorf("the record after data row %d (from byte %d) is longer than %d KiB: an unterminated quote, or a cell that is not a table value; close the quote, or keep large values out of the table: %w",
			s.row, s.r.InputOffset(), MaxRecordBytes>>10, ErrMalformed)
	case errors.As(err, &pe):
		return fmt.Errorf("line %d, column %d: %w: %w", pe.Line, pe.Column, ErrMalformed, pe.Err)
	}
	return fmt.Errorf("reading CSV: %w", err)
}

// where names the current record for errors.
func (s *csvSource) where() string {
	line, _ := s.r.FieldPos(0)
	return fmt.Sprintf("%sline %d (data row %d)", s.name(), line, s.row)
}

// next returns the next record, whose fields are reused by the next call,
// or io.EOF after the last part.
func (s *csvSource) next() ([]string, error) {
	for {
		rec, err := s.r.Read()
		if err == io.EOF {
			if err := s.nextPart(); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s%w", s.name(), s.readError(err))
		}
		s.budget.n = 0
		s.row++
		if len(rec) != len(s.header) {
			if len(rec) < len(s.header) {
				return nil, fmt.Errorf("%s: %d fields, want %d as in the header: column %q and after are absent (a ragged row): %w",
					s.where(), len(rec), len(s.header), s.header[len(rec)], ErrMalformed)
			}
			return nil, fmt.Errorf("%s: %d fields, want %d as in the header: extra fields after the last column %q (a ragged row): %w",
				s.where(), len(rec), len(s.header), s.header[len(s.header)-1], ErrMalformed)
		}
		return rec, nil
	}
}

// InferCSV reads every row of the parts once and returns their schema: the
// type and role of each column (see the package doc for the rules), the
// levels of categorical columns and the missing counts. It holds one record
// and, per column, at most max(MaxLevels option, 64) distinct strings (up to
// MaxLevels for categorical overrides and the label and split columns).
func InferCSV(parts []CSVPart, opts Options) (*Schema, error) {
	src, err := newCSVSource(parts, opts.missing())
	if err != nil {
		return nil, err
	}
	if err := opts.check(src.header); err != nil {
		return nil, err
	}
	stats := make([]*cellStats, len(src.header))
	for j, n := range src.header {
		stats[j] = newCellStats(n, &opts)
	}
	for {
		rec, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for j, v := range rec {
			if src.missing[v] {
				stats[j].missing++
				continue
			}
			if err := stats[j].add(v, src.where); err != nil {
				return nil, err
			}
		}
	}
	s := &Schema{Columns: make([]Column, len(stats))}
	for j, st := range stats {
		s.Columns[j] = st.column()
	}
	return s, nil
}

// CSVReader reads CSV parts a chunk at a time against a schema.
type CSVReader struct {
	src    *csvSource
	schema *Schema
	n      int
	start  int64
	err    error
}

// NewCSVReader reads parts with schema s (from InferCSV over the same parts,
// or one the caller holds), in chunks of chunkRows rows (0 means
// DefaultChunkRows). Every part's header must name the schema's columns in
// order. A value that does not fit its column's type gives an error naming
// the part, line, data row and column, and the override that would accept it.
// Missing values are those of DefaultMissing.
func NewCSVReader(parts []CSVPart, s *Schema, chunkRows int) (*CSVReader, error) {
	return NewCSVReaderMissing(parts, s, chunkRows, nil)
}

// NewCSVReaderMissing is NewCSVReader with the list of missing values
// (nil means DefaultMissing).
func NewCSVReaderMissing(parts []CSVPart, s *Schema, chunkRows int, missing []string) (*CSVReader, error) {
	if missing == nil {
		missing = DefaultMissing
	}
	src, err := newCSVSource(parts, missing)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(src.header, s.Names()) {
		return nil, fmt.Errorf("%sheader is %s, want %s as in the schema: %w", src.name(), quoteList(src.header), quoteList(s.Names()), ErrMalformed)
	}
	if chunkRows <= 0 {
		chunkRows = DefaultChunkRows
	}
	return &CSVReader{src: src, schema: s, n: chunkRows}, nil
}

// Schema returns the schema the reader reads with.
func (r *CSVReader) Schema() *Schema { return r.schema }

// Next returns the next chunk of at most chunkRows rows, or io.EOF.
func (r *CSVReader) Next() (*Chunk, error) {
	if r.err != nil {
		return nil, r.err
	}
	c := NewChunk(r.schema, r.n)
	c.Start = r.start
	for c.Len < r.n {
		rec, err := r.src.next()
		if err != nil {
			r.err = err
			break
		}
		for j, v := range rec {
			col := &r.schema.Columns[j]
			if r.src.missing[v] {
				c.Cols[j].AppendMissing(col.Type)
				continue
			}
			if err := appendCell(col, &c.Cols[j], v); err != nil {
				r.err = fmt.Errorf("%s, column %q: %w", r.src.where(), col.Name, err)
				return nil, r.err
			}
		}
		c.Len++
	}
	if c.Len == 0 {
		return nil, r.err
	}
	if r.err != nil && r.err != io.EOF {
		return nil, r.err
	}
	r.start += int64(c.Len)
	return c, nil
}

// appendCell parses one non-missing text value into col.
func appendCell(col *Column, dst *Col, v string) error {
	bad := func(what string) error {
		return fmt.Errorf("%q is not %s, as the column's type %s requires; override the column's type (for example %s=categorical, or text) to accept it: %w",
			v, what, col.Type, col.Name, ErrMalformed)
	}
	switch col.Type {
	case Numeric:
		f, ok := parseFloat(v)
		if !ok {
			return bad("a number")
		}
		dst.Float = append(dst.Float, f)
	case Integer:
		i, ok := parseInt(v)
		if !ok {
			return bad("an integer")
		}
		dst.Int = append(dst.Int, i)
	case Boolean:
		b, ok := parseBool(v)
		if !ok {
			return bad("a boolean (true/false, True/False, TRUE/FALSE)")
		}
		dst.Code = append(dst.Code, b2i(b))
	case Categorical:
		k := col.Code(v)
		if k < 0 {
			return fmt.Errorf("%q is not one of the column's %d levels (%s); infer the schema over all the parts, or give the column the type text: %w",
				v, len(col.Levels), quoteList(col.Levels), ErrMalformed)
		}
		dst.Code = append(dst.Code, k)
	case Datetime:
		layout := col.Layout
		if layout == "" {
			layout = dateLayouts[0]
		}
		t, ok := parseTime(layout, v)
		if !ok {
			return bad(fmt.Sprintf("a datetime in the layout %q", layout))
		}
		dst.Time = append(dst.Time, t)
	case Text:
		dst.Text = append(dst.Text, v)
	default:
		return fmt.Errorf("column type %v unknown: %w", col.Type, ErrMalformed)
	}
	dst.Missing = append(dst.Missing, false)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// formatCell formats row i of a non-missing cell as CSV text.
func formatCell(col *Column, c *Col, i int) string {
	switch col.Type {
	case Numeric:
		return strconv.FormatFloat(c.Float[i], 'g', -1, 64)
	case Integer:
		return strconv.FormatInt(c.Int[i], 10)
	case Boolean:
		return strconv.FormatBool(c.Code[i] == 1)
	case Categorical:
		return col.Levels[c.Code[i]]
	case Datetime:
		return c.Time[i].Format(writeLayout(col))
	case Text:
		return c.Text[i]
	}
	return ""
}
