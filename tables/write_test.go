package tables

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// sameTable compares two tables read with schemas a and b value by value:
// the same column names and types, the same missing cells, equal values
// (categories by their level, datetimes as instants).
func sameTable(t *testing.T, a *Schema, ca *Chunk, b *Schema, cb *Chunk) {
	t.Helper()
	if len(a.Columns) != len(b.Columns) || ca.Len != cb.Len {
		t.Fatalf("got %d columns and %d rows, want %d and %d", len(b.Columns), cb.Len, len(a.Columns), ca.Len)
	}
	for j := range a.Columns {
		x, y := &a.Columns[j], &b.Columns[j]
		if x.Name != y.Name || x.Type != y.Type || x.Missing != y.Missing {
			t.Errorf("column %d: got %s %s missing %d, want %s %s missing %d", j, y.Name, y.Type, y.Missing, x.Name, x.Type, x.Missing)
			continue
		}
		p, q := &ca.Cols[j], &cb.Cols[j]
		for i := 0; i < ca.Len; i++ {
			if p.Missing[i] != q.Missing[i] {
				t.Errorf("column %s row %d: missing %v, want %v", x.Name, i, q.Missing[i], p.Missing[i])
				continue
			}
			if p.Missing[i] {
				continue
			}
			var ok bool
			switch x.Type {
			case Numeric:
				ok = p.Float[i] == q.Float[i]
			case Integer:
				ok = p.Int[i] == q.Int[i]
			case Categorical, Boolean:
				ok = x.Levels[p.Code[i]] == y.Levels[q.Code[i]]
			case Datetime:
				ok = p.Time[i].Equal(q.Time[i])
			case Text:
				ok = p.Text[i] == q.Text[i]
			}
			if !ok {
				gv, _ := cb.Value(b, j, i)
				wv, _ := ca.Value(a, j, i)
				t.Errorf("column %s row %d: got %q, want %q", x.Name, i, gv, wv)
			}
		}
	}
}

// roundTripInput has every type, missing values in every column but the
// label, fractional seconds, large and negative numbers and whole floats.
const roundTripInput = `id,age,income,ratio,smoker,seen,day,city,note,class
a1,34,1200.5,2.0,true,2024-01-02T10:00:00Z,2024-01-02,Paris,x y,fraud
a2,,,0.5,False,2024-01-03T11:30:00.123456+02:00,,Berlin,"quoted, comma",ok
a3,-51,1e21,-3,TRUE,,2023-12-31,,z,ok
a4,9007199254740991,NaN,NA,,2024-02-01T00:00:00.25Z,2020-02-29,Paris,,ok
a5,40,3000,4.25,false,2024-02-05T08:00:00-05:00,1999-01-01,"Oslo ""Fjord""",w,fraud
`

var roundTripOpts = Options{Label: "class", Exclude: []string{"id"}, MaxLevels: 3}

func readCSV(t *testing.T, data []byte) (*Schema, *Chunk) {
	t.Helper()
	s, err := InferCSV([]CSVPart{{R: bytes.NewReader(data)}}, roundTripOpts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewCSVReader([]CSVPart{{R: bytes.NewReader(data)}}, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	return s, readAll(t, r)
}

func readParquet(t *testing.T, data []byte) (*Schema, *Chunk) {
	t.Helper()
	p := []ParquetPart{{R: bytes.NewReader(data), Size: int64(len(data))}}
	s, err := InferParquet(p, roundTripOpts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewParquetReader(p, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	return s, readAll(t, r)
}

func writeAll(t *testing.T, w Writer, c *Chunk) {
	t.Helper()
	if err := w.Write(c); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripCSV(t *testing.T) {
	s, c := readCSV(t, []byte(roundTripInput))
	wantTypes := []Type{Text, Integer, Numeric, Numeric, Boolean, Datetime, Datetime, Categorical, Text, Categorical}
	for j, w := range wantTypes {
		if s.Columns[j].Type != w {
			t.Errorf("column %s: got %s, want %s", s.Columns[j].Name, s.Columns[j].Type, w)
		}
	}
	var b bytes.Buffer
	w, err := NewCSVWriter(&b, s)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, c)
	s2, c2 := readCSV(t, b.Bytes())
	sameTable(t, s, c, s2, c2)
	if s2.Columns[5].Layout != time3339 || s2.Columns[6].Layout != "2006-01-02" {
		t.Errorf("layouts: got %q and %q, want RFC 3339 and 2006-01-02", s2.Columns[5].Layout, s2.Columns[6].Layout)
	}
	out := b.String()
	for _, want := range []string{"a1,34,1200.5,2.0,true,2024-01-02T10:00:00Z,2024-01-02,Paris,x y,fraud\n", "9007199254740991", "1e+21", "-3.0", "2024-01-03T11:30:00.123456+02:00", `"Oslo ""Fjord"""`, "a2,,,0.5,false"} {
		if !strings.Contains(out, want) {
			t.Errorf("written CSV lacks %q:\n%s", want, out)
		}
	}
}

const time3339 = "2006-01-02T15:04:05Z07:00"

func TestRoundTripParquet(t *testing.T) {
	s, c := readCSV(t, []byte(roundTripInput))
	var b bytes.Buffer
	w, err := NewParquetWriter(&b, s)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, c)
	s2, c2 := readParquet(t, b.Bytes())
	sameTable(t, s, c, s2, c2)
	if got := s2.Names(); strings.Join(got, ",") != strings.Join(s.Names(), ",") {
		t.Errorf("column order: got %v, want %v", got, s.Names())
	}
	if c := s2.Columns[5]; c.Unit != "ns" || !c.Zoned {
		t.Errorf("seen: got unit %q zoned %v, want a zoned ns timestamp", c.Unit, c.Zoned)
	}

	// Parquet -> Parquet keeps the physical widths and units.
	f := writePQ(t, pqRows(40), 16)
	p := []ParquetPart{{R: bytes.NewReader(f), Size: int64(len(f))}}
	s3, err := InferParquet(p, Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewParquetReader(p, s3, 7)
	if err != nil {
		t.Fatal(err)
	}
	c3 := readAll(t, r)
	b.Reset()
	w, err = NewParquetWriter(&b, s3)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, c3)
	p4 := []ParquetPart{{R: bytes.NewReader(b.Bytes()), Size: int64(b.Len())}}
	s4, err := InferParquet(p4, Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	r, err = NewParquetReader(p4, s4, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameTable(t, s3, c3, s4, readAll(t, r))
	for j := range s3.Columns {
		if a, b := s3.Columns[j], s4.Columns[j]; a.Bits != b.Bits || a.Unit != b.Unit || a.Zoned != b.Zoned {
			t.Errorf("column %s: got bits %d unit %q zoned %v, want %d %q %v", a.Name, b.Bits, b.Unit, b.Zoned, a.Bits, a.Unit, a.Zoned)
		}
	}
	// Parquet -> CSV -> the same values.
	b.Reset()
	cw, err := NewCSVWriter(&b, s3)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, cw, c3)
	s5, err := InferCSV([]CSVPart{{R: bytes.NewReader(b.Bytes())}}, Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	cr, err := NewCSVReader([]CSVPart{{R: bytes.NewReader(b.Bytes())}}, s5, 0)
	if err != nil {
		t.Fatal(err)
	}
	sameTable(t, s3, c3, s5, readAll(t, cr))
}

func TestWriteRefusesUnknownLevel(t *testing.T) {
	s, c := readCSV(t, []byte(roundTripInput))
	c.Cols[7].Code[0] = len(s.Columns[7].Levels)
	for _, w := range []Writer{must(NewCSVWriter(new(bytes.Buffer), s)), must(NewParquetWriter(new(bytes.Buffer), s))} {
		if err := w.Write(c); err == nil || !strings.Contains(err.Error(), "not one of the 3 known levels") {
			t.Errorf("%T: got %v, want an error about the level", w, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestPandasReadsCSV writes data.csv and checks with pandas (Debian
// python3-pandas) that it loads with the expected dtypes and values.
func TestPandasReadsCSV(t *testing.T) {
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import pandas").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		msg := "pandas is not installed (Debian: apt-get install python3-pandas; scripts/test installs it)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s, c := readCSV(t, []byte(roundTripInput))
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewCSVWriter(f, s)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, c)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// What pandas must see: per column its dtype and values (null where
	// missing). Integer columns with missing values are float64 in pandas
	// unless read as Int64, so the script reads them as Int64.
	want := wantColumns(t, s, c, false)
	js, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "want.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "testdata/check_pandas.py", filepath.Join(dir, "data.csv"), filepath.Join(dir, "want.json")).CombinedOutput()
	if err != nil {
		t.Fatalf("pandas check failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestParquetWriterRowGroups checks that the writer does not hold more than
// ParquetRowGroupRows rows in one row group.
func TestParquetWriterRowGroups(t *testing.T) {
	s := &Schema{Columns: []Column{{Name: "n", Type: Integer}}}
	n := ParquetRowGroupRows + 10
	c := NewChunk(s, n)
	for i := range n {
		c.Cols[0].Int = append(c.Cols[0].Int, int64(i))
		c.Cols[0].Missing = append(c.Cols[0].Missing, false)
	}
	c.Len = n
	var b bytes.Buffer
	w, err := NewParquetWriter(&b, s)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, c)
	f, err := parquet.OpenFile(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.RowGroups()); got != 2 {
		t.Errorf("got %d row groups, want 2", got)
	}
	if got := f.NumRows(); got != int64(n) {
		t.Errorf("got %d rows, want %d", got, n)
	}
}

// TestHyparquetReadsParquet writes data.parquet and reads it back with
// hyparquet, a Parquet reader written independently of the Go library
// tables writes with (pure JavaScript; pandas needs pyarrow or fastparquet
// for Parquet, which Debian does not package). Every column's name, and
// every value, missing ones as nulls, must come back as written:
// integers exactly, floats bit for bit, booleans, category strings and
// timestamps (at the reader's millisecond precision).
func TestHyparquetReadsParquet(t *testing.T) {
	modules := os.Getenv("TAILSYNTH_NODE_MODULES")
	_, nodeErr := exec.LookPath("node")
	if modules == "" || nodeErr != nil {
		msg := "node or hyparquet is missing (scripts/test installs hyparquet into .cache/node and sets TAILSYNTH_NODE_MODULES)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s, c := readCSV(t, []byte(roundTripInput))
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "data.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewParquetWriter(f, s)
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, c)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want := wantColumns(t, s, c, true)
	types := map[string]int{}
	for _, cc := range want {
		types[cc.Type]++
	}
	for _, typ := range []Type{Numeric, Integer, Boolean, Datetime, Categorical} {
		if types[typ.String()] == 0 {
			t.Fatalf("the table has no %v column: the check would not cover it", typ)
		}
	}
	js, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "want.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/parquet-check/check_parquet.mjs", filepath.Join(dir, "data.parquet"), filepath.Join(dir, "want.json"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("hyparquet check failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// wantColumn is one column as an outside reader must see it.
type wantColumn struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Values []any  `json:"values"`
}

// wantColumns lists c's columns for the pandas and hyparquet checks:
// values by type, nil where missing. bigAsStrings writes integers and
// datetimes (Unix nanoseconds) as decimal strings, for JavaScript, whose
// numbers stop at 2^53.
func wantColumns(t *testing.T, s *Schema, c *Chunk, bigAsStrings bool) []wantColumn {
	t.Helper()
	var want []wantColumn
	for j, sc := range s.Columns {
		cc := wantColumn{Name: sc.Name, Type: sc.Type.String()}
		for i := 0; i < c.Len; i++ {
			if c.Cols[j].Missing[i] {
				cc.Values = append(cc.Values, nil)
				continue
			}
			var v any
			switch sc.Type {
			case Numeric:
				f := c.Cols[j].Float[i]
				if math.IsInf(f, 0) {
					t.Fatal("no infinities in this table")
				}
				v = f
			case Integer:
				v = c.Cols[j].Int[i]
				if bigAsStrings {
					v = strconv.FormatInt(c.Cols[j].Int[i], 10)
				}
			case Boolean:
				v = c.Cols[j].Code[i] == 1
			case Datetime:
				v = c.Cols[j].Time[i].UnixNano()
				if bigAsStrings {
					v = strconv.FormatInt(c.Cols[j].Time[i].UnixNano(), 10)
				}
			default:
				v, _ = c.Value(s, j, i)
			}
			cc.Values = append(cc.Values, v)
		}
		want = append(want, cc)
	}
	return want
}
