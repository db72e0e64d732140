package tables

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type pqRow struct {
	ID     int64     `parquet:"id"`
	Age    *int32    `parquet:"age,optional"`
	Income *float64  `parquet:"income,optional"`
	Score  float32   `parquet:"score"`
	Smoker *bool     `parquet:"smoker,optional"`
	Seen   time.Time `parquet:"seen,timestamp(microsecond)"`
	City   *string   `parquet:"city,optional"`
	Class  string    `parquet:"class"`
}

func ptr[T any](v T) *T { return &v }

func pqRows(n int) []pqRow {
	cities := []string{"Paris", "Berlin", "Oslo"}
	out := make([]pqRow, n)
	for i := range out {
		r := pqRow{
			ID:    int64(1000 + i),
			Score: float32(i) / 4,
			Seen:  time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 90 * time.Minute),
			Class: "ok",
		}
		if i%5 != 3 {
			r.Age = ptr(int32(20 + i%50))
		}
		if i%7 != 2 {
			r.Income = ptr(float64(i) * 10.5)
		}
		if i%4 != 1 {
			r.Smoker = ptr(i%3 == 0)
		}
		if i%6 != 5 {
			r.City = ptr(cities[i%3])
		}
		if i%10 == 0 {
			r.Class = "fraud"
		}
		out[i] = r
	}
	return out
}

func writePQ[T any](t testing.TB, rows []T, rowGroup int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b, parquet.MaxRowsPerRowGroup(int64(rowGroup)))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pqParts(files ...[]byte) []ParquetPart {
	out := make([]ParquetPart, len(files))
	for i, f := range files {
		out[i] = ParquetPart{Name: "part-" + string(rune('0'+i)) + ".parquet", R: bytes.NewReader(f), Size: int64(len(f))}
	}
	return out
}

func TestInferParquet(t *testing.T) {
	f := writePQ(t, pqRows(60), 16)
	s, err := InferParquet(pqParts(f), Options{Label: "class", Exclude: []string{"id"}})
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
		{"age", Integer, Feature, 12, nil},
		{"income", Numeric, Feature, 9, nil},
		{"score", Numeric, Feature, 0, nil},
		{"smoker", Boolean, Feature, 15, []string{"false", "true"}},
		{"seen", Datetime, Feature, 0, nil},
		{"city", Categorical, Feature, 10, []string{"Berlin", "Oslo", "Paris"}},
		{"class", Categorical, Label, 0, []string{"fraud", "ok"}},
	}
	if len(s.Columns) != len(want) {
		t.Fatalf("got %d columns %v, want %d", len(s.Columns), s.Names(), len(want))
	}
	for i, w := range want {
		c := s.Columns[i]
		if c.Name != w.name || c.Type != w.typ || c.Role != w.role || c.Missing != w.missing || !reflect.DeepEqual(c.Levels, w.levels) {
			t.Errorf("column %d: got %s %s %s missing %d levels %v, want %s %s %s missing %d levels %v",
				i, c.Name, c.Type, c.Role, c.Missing, c.Levels, w.name, w.typ, w.role, w.missing, w.levels)
		}
	}
	if c := s.Columns[1]; c.Bits != 32 {
		t.Errorf("age bits: got %d, want 32", c.Bits)
	}
	if c := s.Columns[5]; c.Unit != "us" || !c.Zoned {
		t.Errorf("seen: got unit %q zoned %v, want us, zoned", c.Unit, c.Zoned)
	}

	// Overrides: an integer as categorical (levels sorted as numbers), an
	// integer as numeric; a datetime override is refused.
	s, err = InferParquet(pqParts(f), Options{Types: map[string]Type{"age": Categorical, "id": Numeric}, MaxLevels: 2})
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Columns[1]; c.Type != Categorical || len(c.Levels) != 40 || c.Levels[0] != "20" || c.Levels[39] != "69" {
		t.Errorf("age as categorical: got %s with levels %v", c.Type, c.Levels)
	}
	if c := s.Columns[0]; c.Type != Numeric || c.Bits != 0 {
		t.Errorf("id as numeric: got %s bits %d", c.Type, c.Bits)
	}
	if c := s.Columns[6]; c.Type != Text || c.Role != Excluded || !strings.Contains(c.Why, "id-like") {
		t.Errorf("city with MaxLevels 2: got %s %s %q, want text, excluded, id-like", c.Type, c.Role, c.Why)
	}
	_, err = InferParquet(pqParts(f), Options{Types: map[string]Type{"city": Datetime}})
	if err == nil || !strings.Contains(err.Error(), "city=datetime does not fit") {
		t.Errorf("got %v, want an error that the override does not fit", err)
	}
}

func TestParquetChunkedEqualsWhole(t *testing.T) {
	rows := pqRows(250)
	whole := writePQ(t, rows, 64)
	a, b := writePQ(t, rows[:97], 30), writePQ(t, rows[97:], 1000)
	s, err := InferParquet(pqParts(a, b), Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	s1, err := InferParquet(pqParts(whole), Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, s1) {
		t.Errorf("schema of the parts %+v differs from the whole file's %+v", s, s1)
	}
	r, err := NewParquetReader(pqParts(whole), s, 1000)
	if err != nil {
		t.Fatal(err)
	}
	w := readAll(t, r)
	if w.Len != 250 {
		t.Fatalf("got %d rows, want 250", w.Len)
	}
	for _, n := range []int{1, 7, 64, 100} {
		r, err := NewParquetReader(pqParts(a, b), s, n)
		if err != nil {
			t.Fatal(err)
		}
		equalChunks(t, s, readAll(t, r), w)
	}
	// Spot values: row 3 has no age, row 10 is fraud, seen is exact.
	if got, miss := w.Value(s, 1, 3); !miss {
		t.Errorf("age row 3: got %q, want missing", got)
	}
	if got, _ := w.Value(s, 7, 10); got != "fraud" {
		t.Errorf("class row 10: got %q, want fraud", got)
	}
	if got := w.Cols[5].Time[3]; !got.Equal(rows[3].Seen) {
		t.Errorf("seen row 3: got %v, want %v", got, rows[3].Seen)
	}
	p, err := Profile(mustPQ(t, s, a, b))
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 250 || p.Classes["fraud"] != 25 || p.Classes["ok"] != 225 {
		t.Errorf("profile: got %d rows, classes %v", p.Rows, p.Classes)
	}
}

func mustPQ(t *testing.T, s *Schema, files ...[]byte) *ParquetReader {
	t.Helper()
	r, err := NewParquetReader(pqParts(files...), s, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type pqOther struct {
	ID     int64   `parquet:"id"`
	Age    *int64  `parquet:"age,optional"` // INT64, not INT32
	Income float64 `parquet:"income"`
}

type pqFewer struct {
	ID  int64  `parquet:"id"`
	Age *int32 `parquet:"age,optional"`
}

type pqRenamed struct {
	ID   int64  `parquet:"id"`
	Ages *int32 `parquet:"ages,optional"`
}

func TestParquetSchemaMismatch(t *testing.T) {
	good := writePQ(t, pqRows(10), 100)
	cases := []struct {
		name  string
		other []byte
		want  string
	}{
		{"type", writePQ(t, []pqOther{{ID: 1}}, 10), `column "age" is INT(64,true), want INT(32,true)`},
		{"fewer", writePQ(t, []pqFewer{{ID: 1}}, 10), `it lacks column "income"`},
		{"renamed", writePQ(t, []pqRenamed{{ID: 1}}, 10), `its column 2 is "ages", want "age"`},
		{"not parquet", []byte("id,age\n1,2\n"), "not a readable Parquet file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := InferParquet(pqParts(good, c.other), Options{})
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("got %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"part-1.parquet"`) {
				t.Errorf("got error %q, want it to contain %q and name part-1.parquet", err, c.want)
			}
		})
	}
}

// TestParquetStreaming reads 1e5 rows written in row groups of 10000 in
// chunks of 1000: every chunk holds at most 1000 rows, and Load of the rare
// class keeps only its rows.
func TestParquetStreaming(t *testing.T) {
	const rows, chunk = 100000, 1000
	var b bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&b, parquet.MaxRowsPerRowGroup(10000))
	batch := make([]pqRow, 0, 5000)
	for i := 0; i < rows; i += 5000 {
		batch = batch[:0]
		for _, r := range pqRows(5000) {
			r.ID = int64(i) + r.ID - 1000
			batch = append(batch, r)
		}
		if _, err := w.Write(batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := pqParts(b.Bytes())
	s, err := InferParquet(p, Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewParquetReader(p, s, chunk)
	if err != nil {
		t.Fatal(err)
	}
	total, n := int64(0), 0
	err = Each(r, func(c *Chunk) error {
		if c.Len == 0 || c.Len > chunk {
			t.Errorf("chunk %d has %d rows, want 1 to %d", n, c.Len, chunk)
		}
		for i, id := range c.Cols[0].Int {
			if id != c.Start+int64(i) {
				t.Fatalf("row %d: id %d, want %d", c.Start+int64(i), id, c.Start+int64(i))
			}
		}
		total += int64(c.Len)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != rows || n != rows/chunk {
		t.Errorf("got %d rows in %d chunks, want %d in %d", total, n, rows, rows/chunk)
	}
	r, err = NewParquetReader(p, s, chunk)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Load(r, NewEncoding(s), "fraud")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Table.Rows(); got != rows/10 {
		t.Errorf("fraud rows: got %d, want %d", got, rows/10)
	}
}
