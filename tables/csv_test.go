package tables

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func parts(files ...string) []CSVPart {
	out := make([]CSVPart, len(files))
	for i, f := range files {
		out[i] = CSVPart{Name: fmt.Sprintf("part-%d.csv", i), R: strings.NewReader(f)}
	}
	return out
}

func one(f string) []CSVPart { return []CSVPart{{R: strings.NewReader(f)}} }

// mixed has one column of each inferred type, missing values in several, and
// a label and split column.
const mixed = `id,age,income,smoker,seen,city,note,empty,class,split
1,34,1200.5,true,2024-01-02 10:00:00,Paris,a,,fraud,train
2,NA,,False,2024-01-03 11:30:00,Berlin,b,NA,ok,train
3,51,980,TRUE,,,c,,ok,test
4,29,NaN,,2024-02-01 00:00:00.25,Paris,d,null,ok,train
5,40,3000,false,2024-02-05 08:00:00,Oslo,e,,fraud,test
`

func TestInferCSV(t *testing.T) {
	s, err := InferCSV(one(mixed), Options{Label: "class", Split: "split", Exclude: []string{"id"}, MaxLevels: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name    string
		typ     Type
		role    Role
		missing int64
		levels  []string
	}{
		{"id", Integer, Excluded, 0, nil},
		{"age", Integer, Feature, 1, nil},
		{"income", Numeric, Feature, 2, nil},
		{"smoker", Boolean, Feature, 1, []string{"false", "true"}},
		{"seen", Datetime, Feature, 1, nil},
		{"city", Categorical, Feature, 1, []string{"Berlin", "Oslo", "Paris"}},
		{"note", Text, Excluded, 0, nil},
		{"empty", Numeric, Excluded, 5, nil},
		{"class", Categorical, Label, 0, []string{"fraud", "ok"}},
		{"split", Categorical, Split, 0, []string{"test", "train"}},
	}
	if len(s.Columns) != len(want) {
		t.Fatalf("got %d columns, want %d", len(s.Columns), len(want))
	}
	for i, w := range want {
		c := s.Columns[i]
		if c.Name != w.name || c.Type != w.typ || c.Role != w.role || c.Missing != w.missing || !reflect.DeepEqual(c.Levels, w.levels) {
			t.Errorf("column %d: got %s %s %s missing %d levels %v, want %s %s %s missing %d levels %v",
				i, c.Name, c.Type, c.Role, c.Missing, c.Levels, w.name, w.typ, w.role, w.missing, w.levels)
		}
	}
	if got := s.Columns[4].Layout; got != "2006-01-02 15:04:05" {
		t.Errorf("seen layout: got %q, want %q", got, "2006-01-02 15:04:05")
	}
	if got := s.Columns[6].Why; !strings.Contains(got, "id-like") {
		t.Errorf("note why: got %q, want it to say id-like", got)
	}
	if got := s.Columns[7].Why; got != "all values missing" {
		t.Errorf("empty why: got %q", got)
	}
}

func TestInferRules(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   Type
		layout string
	}{
		{"ints", []string{"1", "-2", "30"}, Integer, ""},
		{"ints and floats", []string{"1", "2.5", "1e3"}, Numeric, ""},
		{"bools", []string{"true", "False", "TRUE"}, Boolean, ""},
		{"zero one is integer", []string{"0", "1", "1"}, Integer, ""},
		{"rfc3339", []string{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.5+02:00"}, Datetime, time.RFC3339},
		{"dates", []string{"2024-01-02", "1999-12-31"}, Datetime, "2006-01-02"},
		{"mixed layouts are strings", []string{"2024-01-02", "2024-01-02 10:00:00"}, Categorical, ""},
		{"strings", []string{"a", "b", "a"}, Categorical, ""},
		{"many strings", []string{"a", "b", "c", "d", "e"}, Text, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := InferCSV(one("x\n"+strings.Join(c.values, "\n")+"\n"), Options{MaxLevels: 4})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Columns[0]; got.Type != c.want || got.Layout != c.layout {
				t.Errorf("got %s layout %q, want %s layout %q", got.Type, got.Layout, c.want, c.layout)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	const in = "code,n,flag\n10,1,true\n9,2,false\n100,3,true\n9,x,true\n"
	s, err := InferCSV(one(in), Options{Types: map[string]Type{"code": Categorical, "flag": Text}})
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Columns[0]; c.Type != Categorical || !reflect.DeepEqual(c.Levels, []string{"9", "10", "100"}) {
		t.Errorf("code: got %s %v, want categorical with levels sorted as numbers [9 10 100]", c.Type, c.Levels)
	}
	if c := s.Columns[1]; c.Type != Categorical {
		t.Errorf("n: got %s, want categorical (it holds an x)", c.Type)
	}
	if c := s.Columns[2]; c.Type != Text || c.Role != Excluded {
		t.Errorf("flag: got %s %s, want text excluded by the override", c.Type, c.Role)
	}

	_, err = InferCSV(one(in), Options{Types: map[string]Type{"n": Integer}})
	for _, want := range []string{"line 5 (data row 4)", `column "n"`, `"x" is not an integer`, "override n=integer"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v, want it to contain %q", err, want)
		}
	}
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("got %v, want ErrMalformed", err)
	}

	_, err = InferCSV(one(in), Options{Types: map[string]Type{"nope": Integer}, Label: "n", Exclude: []string{"gone"}})
	for _, want := range []string{`type override for "nope"`, `excluded column "gone"`, `"code", "n", "flag"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v, want it to contain %q", err, want)
		}
	}
}

func TestCSVErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []CSVPart
		want []string
	}{
		{"short row", one("a,b,c\n1,2,3\n4,5\n"), []string{"line 3 (data row 2)", "2 fields, want 3", `column "c"`, "ragged"}},
		{"long row", one("a,b\n1,2\n3,4\n5,6,7\n"), []string{"line 4 (data row 3)", "3 fields, want 2", `after the last column "b"`}},
		{"ragged in part 2", parts("a,b\n1,2\n", "a,b\n1,2\n3\n"), []string{`part "part-1.csv" line 3 (data row 2)`, `column "b"`}},
		{"header differs", parts("a,b\n1,2\n", "a,c\n1,2\n"), []string{`part "part-1.csv" header is "a", "c", want "a", "b"`}},
		{"no header", one(""), []string{"header row"}},
		{"empty name", one("a,,c\n1,2,3\n"), []string{"column 2 has no name"}},
		{"duplicate", one("a,b,a\n1,2,3\n"), []string{`"a" appears twice`}},
		{"bare quote", one("a,b\n1,x\"y\n"), []string{"line 2, column"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferCSV(c.in, Options{})
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("got %v, want ErrMalformed", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

// TestMistypedRow reads a second file with the schema inferred from the
// first: the error names the row, the column and the override to use.
func TestMistypedRow(t *testing.T) {
	s, err := InferCSV(one("a,b,c\n1,2.5,x\n2,3,y\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, in string
		want     []string
	}{
		{"integer", "a,b,c\n1,2,x\n2.5,3,y\n", []string{"line 3 (data row 2)", `column "a"`, `"2.5" is not an integer`, "a=categorical"}},
		{"numeric", "a,b,c\n1,abc,x\n", []string{"line 2 (data row 1)", `column "b"`, `"abc" is not a number`, "b=categorical"}},
		{"level", "a,b,c\n1,2,x\n3,4,z\n", []string{"line 3 (data row 2)", `column "c"`, `"z" is not one of the column's 2 levels`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewCSVReader(one(c.in), s, 0)
			if err != nil {
				t.Fatal(err)
			}
			err = Each(r, func(*Chunk) error { return nil })
			if err == nil {
				t.Fatal("got no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestMissingValues(t *testing.T) {
	var b strings.Builder
	b.WriteString("n,c,b\n")
	for _, m := range DefaultMissing {
		fmt.Fprintf(&b, "%s,%s,%s\n", m, m, m)
	}
	b.WriteString("1.5,x,true\n")
	s, err := InferCSV(one(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := int64(len(DefaultMissing))
	for _, c := range s.Columns {
		if c.Missing != want {
			t.Errorf("column %s: got %d missing, want %d", c.Name, c.Missing, want)
		}
	}
	if got := []Type{s.Columns[0].Type, s.Columns[1].Type, s.Columns[2].Type}; !reflect.DeepEqual(got, []Type{Numeric, Categorical, Boolean}) {
		t.Errorf("got types %v, want numeric, categorical, boolean", got)
	}
	r, err := NewCSVReader(one(b.String()), s, 0)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if ch.Len != len(DefaultMissing)+1 {
		t.Fatalf("got %d rows, want %d: missing values must not drop rows", ch.Len, len(DefaultMissing)+1)
	}
	for j := range ch.Cols {
		for i := 0; i < ch.Len-1; i++ {
			if !ch.Cols[j].Missing[i] {
				t.Errorf("column %d row %d: not missing", j, i)
			}
		}
	}
	if !math.IsNaN(ch.Cols[0].Float[0]) || ch.Cols[1].Code[0] != -1 {
		t.Errorf("missing cells: got %v and code %d, want NaN and -1", ch.Cols[0].Float[0], ch.Cols[1].Code[0])
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
}

// readAll reads r into one chunk, appending the chunks it returns.
func readAll(t testing.TB, r ChunkReader) *Chunk {
	t.Helper()
	s := r.Schema()
	all := NewChunk(s, 0)
	err := Each(r, func(c *Chunk) error {
		if c.Start != int64(all.Len) {
			t.Errorf("chunk starts at %d, want %d", c.Start, all.Len)
		}
		appendChunk(all, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func appendChunk(dst, src *Chunk) {
	for j := range dst.Cols {
		d, s := &dst.Cols[j], &src.Cols[j]
		d.Missing = append(d.Missing, s.Missing...)
		d.Float = append(d.Float, s.Float...)
		d.Int = append(d.Int, s.Int...)
		d.Code = append(d.Code, s.Code...)
		d.Time = append(d.Time, s.Time...)
		d.Text = append(d.Text, s.Text...)
	}
	dst.Len += src.Len
}

// equalChunks compares two chunks value by value (NaN equal to NaN).
func equalChunks(t testing.TB, s *Schema, got, want *Chunk) {
	t.Helper()
	if got.Len != want.Len {
		t.Fatalf("got %d rows, want %d", got.Len, want.Len)
	}
	for j := range s.Columns {
		for i := 0; i < got.Len; i++ {
			g, gm := got.Value(s, j, i)
			w, wm := want.Value(s, j, i)
			if g != w || gm != wm {
				t.Errorf("column %q row %d: got %q (missing %v), want %q (missing %v)", s.Columns[j].Name, i, g, gm, w, wm)
			}
		}
	}
}

func TestChunkedEqualsWhole(t *testing.T) {
	in := strings.Repeat(mixed[strings.Index(mixed, "\n")+1:], 7)
	in = mixed[:strings.Index(mixed, "\n")+1] + in
	s, err := InferCSV(one(in), Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := NewCSVReader(one(in), s, 1000)
	if err != nil {
		t.Fatal(err)
	}
	w := readAll(t, whole)
	for _, n := range []int{1, 3, 7, 34, 35} {
		r, err := NewCSVReader(one(in), s, n)
		if err != nil {
			t.Fatal(err)
		}
		equalChunks(t, s, readAll(t, r), w)
	}
	// The same rows split into two parts read as one table.
	lines := strings.SplitAfter(in, "\n")
	head := lines[0]
	p, err := NewCSVReader(parts(strings.Join(lines[:11], ""), head+strings.Join(lines[11:], "")), s, 4)
	if err != nil {
		t.Fatal(err)
	}
	equalChunks(t, s, readAll(t, p), w)
}

// bigCSV yields a CSV of n rows on demand and counts the bytes read.
type bigCSV struct {
	n, row int
	buf    []byte
	read   int64
}

func (b *bigCSV) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		if b.row > b.n {
			return 0, io.EOF
		}
		if b.row == 0 {
			b.buf = []byte("x,k,c\n")
		} else {
			class := "common"
			if b.row%100 == 0 {
				class = "rare"
			}
			b.buf = fmt.Appendf(nil, "%d.5,%d,%s\n", b.row, b.row%7, class)
		}
		b.row++
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	b.read += int64(n)
	return n, nil
}

func TestStreaming(t *testing.T) {
	const rows, chunk = 100000, 1000
	s, err := InferCSV([]CSVPart{{R: &bigCSV{n: rows}}}, Options{Label: "c"})
	if err != nil {
		t.Fatal(err)
	}
	src := &bigCSV{n: rows}
	r, err := NewCSVReader([]CSVPart{{R: src}}, s, chunk)
	if err != nil {
		t.Fatal(err)
	}
	total, chunks := 0, 0
	var sum float64
	err = Each(r, func(c *Chunk) error {
		if c.Len > chunk || c.Len == 0 {
			t.Errorf("chunk %d has %d rows, want 1 to %d", chunks, c.Len, chunk)
		}
		// The reader reads as it goes: it has consumed about what the
		// chunks so far hold (plus its buffer), never the whole input.
		if max := int64(total+c.Len)*30 + 64<<10; src.read > max {
			t.Errorf("after %d rows the reader has read %d bytes, want at most %d", total+c.Len, src.read, max)
		}
		for _, v := range c.Cols[0].Float {
			sum += v
		}
		total += c.Len
		chunks++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != rows || chunks != rows/chunk {
		t.Errorf("got %d rows in %d chunks, want %d in %d", total, chunks, rows, rows/chunk)
	}
	if want := float64(rows)*(rows+1)/2 + rows*0.5; sum != want {
		t.Errorf("sum of x: got %v, want %v", sum, want)
	}

	// Loading one class keeps only its rows.
	r, err = NewCSVReader([]CSVPart{{R: &bigCSV{n: rows}}}, s, chunk)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Load(r, NewEncoding(s), "rare")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Table.Rows(); got != rows/100 {
		t.Errorf("rare rows: got %d, want %d", got, rows/100)
	}
	if l.Rows[0] != 99 || l.Table.Numeric[0][0] != 100.5 {
		t.Errorf("first rare row: got index %d x %v, want 99 and 100.5", l.Rows[0], l.Table.Numeric[0][0])
	}
}

// One record longer than MaxRecordBytes (an unterminated quote running to
// the end of a large file) is refused with where it starts, without
// reading the rest of the file into memory; records under it still read.
func TestCSVRecordTooLong(t *testing.T) {
	old := MaxRecordBytes
	MaxRecordBytes = 64 << 10
	t.Cleanup(func() { MaxRecordBytes = old })

	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range 100 {
		fmt.Fprintf(&b, "%d,a\n", i)
	}
	b.WriteString(`1,"never closed` + "\n")
	// 64 MiB more, produced as it is read: a reader that held the record
	// would hold all of it.
	body := io.MultiReader(strings.NewReader(b.String()), io.LimitReader(repeatByte('z'), 64<<20))
	counted := &countingReader{r: body}
	_, err := InferCSV([]CSVPart{{Name: "big.csv", R: counted}}, Options{})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `part "big.csv"`) ||
		!strings.Contains(err.Error(), "after data row 100") || !strings.Contains(err.Error(), "unterminated quote") {
		t.Fatalf("err = %v", err)
	}
	if counted.n > 1<<20 {
		t.Errorf("read %d bytes of the file before refusing a record over 64 KiB", counted.n)
	}

	// A header alone over the bound.
	long := strings.Repeat("c", 70<<10)
	_, err = InferCSV([]CSVPart{{Name: "wide.csv", R: strings.NewReader(long + ",label\n1,a\n")}}, Options{})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "header") {
		t.Fatalf("long header: %v", err)
	}

	// Records just under the bound, many of them, read.
	var ok strings.Builder
	ok.WriteString("x,label\n")
	cell := strings.Repeat("v", 60<<10)
	for i := range 20 {
		fmt.Fprintf(&ok, "%d,%s%d\n", i, cell, i%2)
	}
	if _, err := InferCSV([]CSVPart{{Name: "ok.csv", R: strings.NewReader(ok.String())}}, Options{}); err != nil {
		t.Fatalf("records under the bound: %v", err)
	}
}

type repeatByte byte

func (r repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
