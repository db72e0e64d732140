package tables

import (
	"math"
	"reflect"
	"testing"
	"time"
)

func mixedReader(t *testing.T, chunk int) (*Schema, *CSVReader) {
	t.Helper()
	s, err := InferCSV(one(mixed), Options{Label: "class", Split: "split", Exclude: []string{"id"}, MaxLevels: 4})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewCSVReader(one(mixed), s, chunk)
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

func TestProfile(t *testing.T) {
	_, r := mixedReader(t, 2)
	p, err := Profile(r)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 5 {
		t.Errorf("rows: got %d, want 5", p.Rows)
	}
	if want := map[string]int64{"fraud": 2, "ok": 3}; !reflect.DeepEqual(p.Classes, want) {
		t.Errorf("classes: got %v, want %v", p.Classes, want)
	}
	if want := map[string]map[string]int64{"train": {"fraud": 1, "ok": 2}, "test": {"fraud": 1, "ok": 1}}; !reflect.DeepEqual(p.Splits, want) {
		t.Errorf("splits: got %v, want %v", p.Splits, want)
	}
	age := p.Columns[1]
	if age.Missing != 1 || age.Distinct != 4 || *age.Min != 29 || *age.Max != 51 {
		t.Errorf("age: got missing %d distinct %d min %v max %v, want 1, 4, 29, 51", age.Missing, age.Distinct, *age.Min, *age.Max)
	}
	inc := p.Columns[2]
	if inc.Missing != 2 || inc.Distinct != 3 || *inc.Min != 980 || *inc.Max != 3000 {
		t.Errorf("income: got missing %d distinct %d min %v max %v, want 2, 3, 980, 3000", inc.Missing, inc.Distinct, *inc.Min, *inc.Max)
	}
	seen := p.Columns[4]
	if want := time.Date(2024, 2, 5, 8, 0, 0, 0, time.UTC); seen.MaxTime == nil || !seen.MaxTime.Equal(want) {
		t.Errorf("seen max: got %v, want %v", seen.MaxTime, want)
	}
	if city := p.Columns[5]; city.Distinct != 3 || city.Missing != 1 || city.Min != nil {
		t.Errorf("city: got distinct %d missing %d min %v, want 3, 1, none", city.Distinct, city.Missing, city.Min)
	}
}

func TestProfileDistinctCap(t *testing.T) {
	s, err := InferCSV([]CSVPart{{R: &bigCSV{n: DistinctCap + 10}}}, Options{Label: "c"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewCSVReader([]CSVPart{{R: &bigCSV{n: DistinctCap + 10}}}, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Profile(r)
	if err != nil {
		t.Fatal(err)
	}
	if x := p.Columns[0]; x.Distinct != DistinctCap || !x.DistinctCapped {
		t.Errorf("x: got distinct %d capped %v, want %d capped", x.Distinct, x.DistinctCapped, DistinctCap)
	}
	if k := p.Columns[1]; k.Distinct != 7 || k.DistinctCapped {
		t.Errorf("k: got distinct %d capped %v, want 7 exact", k.Distinct, k.DistinctCapped)
	}
}

func TestLoadAndDecode(t *testing.T) {
	s, r := mixedReader(t, 2)
	e := NewEncoding(s)
	// Features: age, income, seen (numeric); smoker, city (categorical).
	if !reflect.DeepEqual(e.Numeric, []int{1, 2, 4}) || !reflect.DeepEqual(e.Kinds, []Type{Integer, Numeric, Datetime}) {
		t.Errorf("numeric: got %v %v", e.Numeric, e.Kinds)
	}
	if !reflect.DeepEqual(e.Categorical, []int{3, 5}) || !reflect.DeepEqual(e.MissingCode, []int{2, 3}) {
		t.Errorf("categorical: got %v missing codes %v, want [3 5] and [2 3]", e.Categorical, e.MissingCode)
	}
	if !reflect.DeepEqual(e.Classes, []string{"fraud", "ok"}) {
		t.Errorf("classes: got %v", e.Classes)
	}
	l, err := Load(r, e, "fraud")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l.Rows, []int64{0, 4}) || !reflect.DeepEqual(l.Y, []int{0, 0}) {
		t.Errorf("fraud rows: got %v y %v, want [0 4] [0 0]", l.Rows, l.Y)
	}
	if !reflect.DeepEqual(l.Table.Levels, []int{3, 4}) {
		t.Errorf("levels: got %v, want [3 4] (false, true, missing; Berlin, Oslo, Paris, missing)", l.Table.Levels)
	}
	// Row 0: smoker true -> 1, Paris -> 2; row 4: false -> 0, Oslo -> 1.
	if !reflect.DeepEqual(l.Table.Categorical, [][]int{{1, 0}, {2, 1}}) {
		t.Errorf("codes: got %v", l.Table.Categorical)
	}
	if l.Table.Numeric[0][1] != 40 || l.Table.Numeric[1][0] != 1200.5 || l.Table.Numeric[2][0] != float64(time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC).Unix()) {
		t.Errorf("numeric: got %v", l.Table.Numeric)
	}

	_, r = mixedReader(t, 3)
	all, err := Load(r, e)
	if err != nil {
		t.Fatal(err)
	}
	if all.Table.Rows() != 5 || !math.IsNaN(all.Table.Numeric[0][1]) || all.Table.Categorical[1][2] != 3 {
		t.Errorf("whole table: got %d rows, age[1] %v, city[2] code %d, want 5, NaN, 3 (missing)", all.Table.Rows(), all.Table.Numeric[0][1], all.Table.Categorical[1][2])
	}

	// Decode gives back the loaded values, with the class set and the
	// excluded and split columns empty.
	all.Table.Numeric[0][0] = 33.6 // an interpolated integer is rounded
	ch, err := e.Decode(all.Table, "ok")
	if err != nil {
		t.Fatal(err)
	}
	_, r = mixedReader(t, 0)
	src := readAll(t, r)
	for j, c := range s.Columns {
		for i := 0; i < 5; i++ {
			got, gm := ch.Value(s, j, i)
			want, wm := src.Value(s, j, i)
			switch {
			case c.Name == "class":
				want, wm = "ok", false
			case c.Role != Feature:
				want, wm = "", true
			case c.Name == "age" && i == 0:
				want = "34"
			}
			if got != want || gm != wm {
				t.Errorf("column %s row %d: got %q (missing %v), want %q (missing %v)", c.Name, i, got, gm, want, wm)
			}
		}
	}
	if _, err := Load(r, e, "nope"); err == nil {
		t.Error("Load of an unknown class: got no error")
	}
}
