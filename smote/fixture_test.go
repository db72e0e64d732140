package smote

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"slices"
	"testing"
)

// imblearnFixture is testdata/imblearn_smotenc.json, written by
// scripts/fixtures/smotenc.py from imbalanced-learn 0.10.0 (Debian
// python3-imblearn); see the script for what each field is.
type imblearnFixture struct {
	Version string `json:"imblearn_version"`
	NC      struct {
		K           int         `json:"k"`
		Levels      []int       `json:"levels"`
		Y           []int       `json:"y"`
		Numeric     [][]float64 `json:"numeric"`
		Categorical [][]int     `json:"categorical"`
		Minority    int         `json:"minority_class"`
		MedianStd   float64     `json:"median_std"`
		Classes     []struct {
			Class     int     `json:"class"`
			Rows      []int   `json:"rows"`
			Neighbors [][]int `json:"neighbors"`
			Samples   []struct {
				Base        int       `json:"base"`
				Col         int       `json:"col"`
				Neighbor    int       `json:"neighbor"`
				Gap         float64   `json:"gap"`
				Numeric     []float64 `json:"numeric"`
				Categorical [][]int   `json:"categorical"`
			} `json:"samples"`
		} `json:"classes"`
	} `json:"smotenc"`
	N struct {
		K           int     `json:"k"`
		Levels      []int   `json:"levels"`
		Y           []int   `json:"y"`
		Categorical [][]int `json:"categorical"`
		Classes     []struct {
			Class     int   `json:"class"`
			Rows      []int `json:"rows"`
			Neighbors []struct {
				Rows        []int     `json:"rows"`
				Dist        []float64 `json:"dist"`
				Unambiguous bool      `json:"unambiguous"`
			} `json:"neighbors"`
			Samples []struct {
				Base int   `json:"base"`
				Row  []int `json:"row"`
			} `json:"samples"`
		} `json:"classes"`
	} `json:"smoten"`
}

func loadFixture(t *testing.T) imblearnFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/imblearn_smotenc.json")
	if err != nil {
		t.Fatal(err)
	}
	var f imblearnFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != "0.10.0" {
		t.Errorf("fixture from imbalanced-learn %s, want 0.10.0 (the version these semantics follow)", f.Version)
	}
	return f
}

// TestSMOTENCMatchesImblearn checks every deterministic part of SMOTE-NC
// against imbalanced-learn 0.10.0: the scale (1e-12), the ordered neighbour
// lists (exact), the numeric columns of a row made from a given (base,
// neighbour, gap) (1e-9), and the set of codes a categorical column can take
// (exact: the codes imbalanced-learn chose over 64 random states, more than
// one where the vote ties).
func TestSMOTENCMatchesImblearn(t *testing.T) {
	f := loadFixture(t).NC
	tab := Table{Numeric: f.Numeric, Categorical: f.Categorical, Levels: f.Levels}
	if err := tab.Check(); err != nil {
		t.Fatal(err)
	}
	byClass := rowsByClass(f.Y)
	if got := minorityClass(f.Y); got != f.Minority {
		t.Errorf("got minority class %d, want %d", got, f.Minority)
	}
	scale := medianStd(tab, byClass[f.Minority])
	if math.Abs(scale-f.MedianStd) > 1e-12 {
		t.Errorf("got median std %.15g, want %.15g", scale, f.MedianStd)
	}
	ties := 0
	for _, cl := range f.Classes {
		rows := byClass[cl.Class]
		if !slices.Equal(rows, cl.Rows) {
			t.Fatalf("class %d: got rows %v, want %v", cl.Class, rows, cl.Rows)
		}
		sub := subTable(tab, rows)
		all := make([]int, len(rows))
		for i := range all {
			all[i] = i
		}
		nb, err := nearest(context.Background(), len(rows), all, f.K, ncDistance(sub, scale))
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			if !slices.Equal(nb[i], cl.Neighbors[i]) {
				t.Errorf("class %d row %d: got neighbours %v, want %v", cl.Class, i, nb[i], cl.Neighbors[i])
			}
		}
		counts := make([]int, maxLevels(tab.Levels))
		for si, s := range cl.Samples {
			if nb := cl.Neighbors[s.Base][s.Col]; nb != s.Neighbor {
				t.Fatalf("fixture: sample %d neighbour %d, want neighbors[%d][%d] = %d", si, s.Neighbor, s.Base, s.Col, nb)
			}
			voters := cl.Neighbors[s.Base]
			for j, want := range s.Categorical {
				top, _ := tally(sub.Categorical[j], voters, counts[:tab.Levels[j]])
				if !slices.Equal(top, want) {
					t.Errorf("class %d sample %d column %d: got candidate codes %v, want %v", cl.Class, si, j, top, want)
				}
				if len(want) > 1 {
					ties++
				}
			}
			// Every seed gives the same numerics and a code among the
			// candidates; across seeds every tied candidate turns up.
			seen := make([]map[int]bool, len(s.Categorical))
			for j := range seen {
				seen[j] = map[int]bool{}
			}
			for seed := range 64 {
				dst := tab.newTable(1)
				p := TableProvenance{Base: s.Base, Neighbor: s.Neighbor, Gap: s.Gap, Voters: voters}
				ncRow(sub, &p, newRand(int64(seed), 0), counts, dst, 0)
				for j, want := range s.Numeric {
					if got := dst.Numeric[j][0]; math.Abs(got-want) > 1e-9 {
						t.Fatalf("class %d sample %d numeric %d: got %.12g, want %.12g", cl.Class, si, j, got, want)
					}
				}
				for j := range s.Categorical {
					seen[j][dst.Categorical[j][0]] = true
				}
			}
			for j, want := range s.Categorical {
				if got := slices.Sorted(maps.Keys(seen[j])); !slices.Equal(got, want) {
					t.Errorf("class %d sample %d column %d: over 64 seeds got codes %v, want %v", cl.Class, si, j, got, want)
				}
			}
		}
	}
	if ties == 0 {
		t.Error("fixture has no tied categorical vote; regenerate it with ties so tie-breaking is checked")
	}
}

// TestSMOTENMatchesImblearn checks SMOTE-N against imbalanced-learn 0.10.0:
// VDM distances to imbalanced-learn's neighbours (1e-12), the neighbour sets
// (exact where the (k+1)-th distance is below the next; otherwise the same
// sorted distances, since imbalanced-learn's order among equal distances is
// NumPy's sort order), and the row voted from a base and its neighbours
// (exact, ties to the smallest code as SciPy's mode).
func TestSMOTENMatchesImblearn(t *testing.T) {
	f := loadFixture(t).N
	tab := Table{Categorical: f.Categorical, Levels: f.Levels}
	if err := tab.Check(); err != nil {
		t.Fatal(err)
	}
	vdm := NewVDM(tab, f.Y)
	byClass := rowsByClass(f.Y)
	exact := 0
	for _, cl := range f.Classes {
		rows := byClass[cl.Class]
		if !slices.Equal(rows, cl.Rows) {
			t.Fatalf("class %d: got rows %v, want %v", cl.Class, rows, cl.Rows)
		}
		sub := subTable(tab, rows)
		row := func(i int) []int {
			r := make([]int, len(sub.Categorical))
			for j, col := range sub.Categorical {
				r[j] = col[i]
			}
			return r
		}
		dist := func(a, b int) float64 { return vdm.Distance(row(a), row(b)) }
		all := make([]int, len(rows))
		for i := range all {
			all[i] = i
		}
		nb, err := nearest(context.Background(), len(rows), all, f.K, dist)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range cl.Neighbors {
			for q, r := range want.Rows {
				if got := dist(i, r); math.Abs(got-want.Dist[q]) > 1e-12 {
					t.Errorf("class %d: VDM(%d, %d) = %.15g, want %.15g", cl.Class, i, r, got, want.Dist[q])
				}
			}
			got := append([]int{i}, nb[i]...)
			if want.Unambiguous {
				exact++
				if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want.Rows))) {
					t.Errorf("class %d row %d: got voters %v, want %v", cl.Class, i, got, want.Rows)
				}
				continue
			}
			var gd []float64
			for _, r := range got {
				gd = append(gd, dist(i, r))
			}
			slices.Sort(gd)
			wd := slices.Sorted(slices.Values(want.Dist))
			for q := range gd {
				if math.Abs(gd[q]-wd[q]) > 1e-12 {
					t.Errorf("class %d row %d: got voter distances %v, want %v", cl.Class, i, gd, wd)
					break
				}
			}
		}
		counts := make([]int, maxLevels(tab.Levels))
		for si, s := range cl.Samples {
			dst := tab.newTable(1)
			p := TableProvenance{Base: s.Base, Neighbor: -1, Voters: cl.Neighbors[s.Base].Rows}
			nRow(sub, &p, counts, dst, 0)
			for j, want := range s.Row {
				if got := dst.Categorical[j][0]; got != want {
					t.Errorf("class %d sample %d (base %d) column %d: got code %d, want %d", cl.Class, si, s.Base, j, got, want)
				}
			}
		}
	}
	if exact < 20 {
		t.Errorf("fixture has %d unambiguous neighbour sets, want at least 20 to check sets exactly", exact)
	}
}
