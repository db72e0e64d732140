package pipeline_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/tables"
)

// writeTable writes a fraud-like CSV table: an ID, a numeric amount (one
// missing), an integer count, a categorical card, a boolean flag and the
// class; "fraud" has nFraud rows, "ok" 40.
func writeTable(t *testing.T, path string, nFraud int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("tx,amount,items,card,online,class\n")
	cards := []string{"debit", "credit", "prepaid"}
	for i := range 40 {
		fmt.Fprintf(&b, "ok%d,%g,%d,%s,%v,ok\n", i, 10+float64(i%13)*3.5, 1+i%4, cards[i%2], i%3 == 0)
	}
	for i := range nFraud {
		amount := fmt.Sprint(700 + float64(i)*37.25)
		if i == 1 {
			amount = "NA"
		}
		fmt.Fprintf(&b, "fr%d,%s,%d,%s,%v,fraud\n", i, amount, 5+i%3, cards[1+i%2], i%4 != 0)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tablePipeline(t *testing.T, root string) *pipeline.Pipeline {
	p := newPipeline(t, root)
	if err := p.Registry.Register(smotegen.Generator{}); err != nil {
		t.Fatal(err)
	}
	return p
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// A table job grows the rare class of a CSV table: data.csv holds exactly
// the requested rows, all with the requested label, in the input's
// columns; values stay in their column's domain; metadata.jsonl has one
// row per new row; _SUCCESS is written; the same seed gives the same bytes.
func TestTableJob(t *testing.T) {
	root := t.TempDir()
	const nFraud = 8
	writeTable(t, filepath.Join(root, "in", "fraud.csv"), nFraud)
	p := tablePipeline(t, root)
	for _, gen := range []string{"smote", "oversample"} {
		t.Run(gen, func(t *testing.T) {
			var first []byte
			for run := range 2 {
				spec := generators.Spec{ID: fmt.Sprintf("job_%s%d", gen, run), Dataset: "file://" + root + "/in/fraud.csv", Generator: gen,
					Strategy: generators.Strategy{Mode: generators.ModeAuto}, Seed: 7, Output: "file://" + root + "/out",
					TableOptions: generators.TableOptions{LabelColumn: "class", ExcludeColumns: []string{"tx"}}}
				res, err := p.Run(context.Background(), spec, nil)
				if err != nil {
					t.Fatal(err)
				}
				if res.Added["fraud"] != 32 || res.Added["ok"] != 0 {
					t.Fatalf("added %v, want 32 fraud rows (to the 40 ok)", res.Added)
				}
				dir := filepath.Join(root, "out", spec.ID)
				recs := readCSV(t, filepath.Join(dir, "data.csv"))
				if !slices.Equal(recs[0], []string{"tx", "amount", "items", "card", "online", "class"}) {
					t.Fatalf("header %v, want the input's columns in order", recs[0])
				}
				if len(recs) != 33 {
					t.Fatalf("%d rows, want 32", len(recs)-1)
				}
				for i, r := range recs[1:] {
					if r[5] != "fraud" || r[0] != "" {
						t.Fatalf("row %d = %v: want class fraud and an empty excluded tx", i, r)
					}
					if r[1] == "" && gen == "smote" {
						t.Errorf("row %d: SMOTE made a missing amount (missing values are imputed before interpolating)", i)
					}
					var amount float64
					if r[1] == "" && gen == "oversample" {
						amount = 700 // a copy of the fraud row whose amount is missing
					} else if _, err := fmt.Sscan(r[1], &amount); err != nil || amount < 700 || amount > 700+37.25*float64(nFraud-1) {
						t.Errorf("row %d: amount %q outside the fraud rows' range [700, %g]", i, r[1], 700+37.25*float64(nFraud-1))
					}
					var items int
					if _, err := fmt.Sscan(r[2], &items); err != nil || strings.Contains(r[2], ".") || items < 5 || items > 7 {
						t.Errorf("row %d: items %q is not an integer of the fraud rows' range [5, 7]", i, r[2])
					}
					if r[3] != "credit" && r[3] != "prepaid" {
						t.Errorf("row %d: card %q was never a fraud card", i, r[3])
					}
					if r[4] != "true" && r[4] != "false" {
						t.Errorf("row %d: online %q is not a boolean", i, r[4])
					}
				}
				meta, err := os.ReadFile(filepath.Join(dir, "metadata.jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSpace(string(meta)), "\n")
				if len(lines) != 32 {
					t.Fatalf("%d metadata rows, want 32", len(lines))
				}
				var m struct {
					File       string          `json:"file"`
					Row        int             `json:"row"`
					Label      string          `json:"label"`
					Provenance json.RawMessage `json:"provenance"`
				}
				if err := json.Unmarshal([]byte(lines[31]), &m); err != nil || m.File != "data.csv" || m.Row != 31 || m.Label != "fraud" || len(m.Provenance) < 5 {
					t.Errorf("last metadata row %s (%v)", lines[31], err)
				}
				if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err != nil {
					t.Error("no _SUCCESS")
				}
				b, _ := os.ReadFile(filepath.Join(dir, "data.csv"))
				if run == 0 {
					first = b
				} else if string(b) != string(first) {
					t.Error("the same seed gave other rows")
				}
			}
		})
	}
}

// Parquet in, Parquet out; and a CSV table written as Parquet on request.
func TestTableJobParquet(t *testing.T) {
	root := t.TempDir()
	writeTable(t, filepath.Join(root, "in", "fraud.csv"), 6)
	p := tablePipeline(t, root)
	spec := generators.Spec{ID: "job_pq", Dataset: "file://" + root + "/in/fraud.csv", Generator: "smote",
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Seed: 1, Output: "file://" + root + "/out",
		TableOptions: generators.TableOptions{LabelColumn: "class", ExcludeColumns: []string{"tx"}, OutputFormat: "parquet"}}
	if _, err := p.Run(context.Background(), spec, nil); err != nil {
		t.Fatal(err)
	}
	// The Parquet output is itself a table dataset: a job on it reads it.
	pq := filepath.Join(root, "out", "job_pq", "data.parquet")
	f, err := os.Open(pq)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	s, err := tables.InferParquet([]tables.ParquetPart{{Name: "data.parquet", R: f, Size: fi.Size()}}, tables.Options{Label: "class"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tables.NewParquetReader([]tables.ParquetPart{{Name: "data.parquet", R: f, Size: fi.Size()}}, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := tables.Profile(r)
	if err != nil {
		t.Fatal(err)
	}
	if prof.Rows != 34 || prof.Classes["fraud"] != 34 {
		t.Errorf("data.parquet: %d rows, classes %v; want 34 fraud rows", prof.Rows, prof.Classes)
	}
	types := map[string]string{}
	for _, c := range s.Columns {
		types[c.Name] = c.Type.String()
	}
	if types["items"] != "integer" || types["online"] != "boolean" || types["amount"] != "numeric" {
		t.Errorf("data.parquet column types %v: integers, booleans and numbers must keep their types", types)
	}
}

// Bad table requests fail with errors that say what is accepted.
func TestTableJobErrors(t *testing.T) {
	root := t.TempDir()
	writeTable(t, filepath.Join(root, "in", "fraud.csv"), 6)
	p := tablePipeline(t, root)
	base := generators.Spec{ID: "job_bad", Dataset: "file://" + root + "/in/fraud.csv", Generator: "smote",
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Seed: 1, Output: "file://" + root + "/out"}
	for _, c := range []struct {
		name string
		opts generators.TableOptions
		want string
	}{
		{"unknown label column", generators.TableOptions{LabelColumn: "nope"}, "nope"},
		{"bad type", generators.TableOptions{LabelColumn: "class", ColumnTypes: map[string]string{"amount": "money"}}, "accepted: numeric"},
		{"bad format", generators.TableOptions{LabelColumn: "class", OutputFormat: "xlsx"}, "output_format"},
		{"label excluded", generators.TableOptions{LabelColumn: "class", ExcludeColumns: []string{"class"}}, "cannot be excluded"},
		{"table options without a label", generators.TableOptions{OutputFormat: "csv"}, "label_column"},
	} {
		spec := base
		spec.TableOptions = c.opts
		_, err := p.Run(context.Background(), spec, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
}

// A table larger than the pipeline may hold is refused with an error that
// says how to make it fit, before any row is loaded.
func TestTableJobTooLarge(t *testing.T) {
	root := t.TempDir()
	writeTable(t, filepath.Join(root, "in", "fraud.csv"), 8)
	p := tablePipeline(t, root)
	p.MaxTableCells = 100 // 48 rows of 4 modelled columns (tx excluded) are 192 cells
	spec := generators.Spec{ID: "job_big", Dataset: "file://" + root + "/in/fraud.csv", Generator: "smote",
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Seed: 1, Output: "file://" + root + "/out",
		TableOptions: generators.TableOptions{LabelColumn: "class", ExcludeColumns: []string{"tx"}}}
	_, err := p.Run(context.Background(), spec, nil)
	if err == nil || !strings.Contains(err.Error(), "192 cells") || !strings.Contains(err.Error(), "exclude_columns") {
		t.Fatalf("%v, want a refusal naming the 192 cells and how to cut them", err)
	}
	if _, err := os.Stat(filepath.Join(root, "out", "job_big", "data.csv")); !os.IsNotExist(err) {
		t.Errorf("a refused job wrote data.csv (%v)", err)
	}
}
