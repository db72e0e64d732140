package tabgen_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/tabgen"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/tables"
)

func newPipeline(t *testing.T, root string) *pipeline.Pipeline {
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := reg.Register(tabgen.Generator{}); err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Registry: reg, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
}

// A tabular-gan job makes exactly the requested rows, every one with the
// requested label and values in their columns' domains; the same seed
// gives the same rows.
func TestTabularGANJob(t *testing.T) {
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString("amount,items,card,label\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%.2f,%d,%s,ok\n", 20+rng.NormFloat64()*5, 1+i%3, []string{"debit", "credit"}[i%2])
	}
	for i := range 12 {
		amount := fmt.Sprintf("%.2f", 800+rng.NormFloat64()*50)
		if i == 3 {
			amount = "NA"
		}
		fmt.Fprintf(&b, "%s,%d,%s,fraud\n", amount, 5+i%2, []string{"credit", "prepaid"}[i%2])
	}
	if err := os.WriteFile(filepath.Join(root, "t.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newPipeline(t, root)
	var first string
	for run := range 2 {
		spec := generators.Spec{ID: fmt.Sprintf("job_gan%d", run), Dataset: "file://" + root + "/t.csv", Generator: tabgen.Name, Seed: 9,
			Params:   []byte(`{"steps": 40, "batch": 60, "pac": 10}`),
			Strategy: generators.Strategy{Mode: generators.ModeAuto}, Output: "file://" + root + "/out",
			TableOptions: generators.TableOptions{LabelColumn: "label"}}
		res, err := p.Run(context.Background(), spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Added["fraud"] != 48 {
			t.Fatalf("added %v, want 48 fraud rows", res.Added)
		}
		f, err := os.Open(filepath.Join(root, "out", spec.ID, "data.csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 49 {
			t.Fatalf("%d rows, want 48", len(recs)-1)
		}
		for i, r := range recs[1:] {
			if r[3] != "fraud" {
				t.Fatalf("row %d has label %q, want fraud", i, r[3])
			}
			if r[2] != "debit" && r[2] != "credit" && r[2] != "prepaid" {
				t.Errorf("row %d: card %q never seen", i, r[2])
			}
			if strings.Contains(r[1], ".") || r[1] == "" {
				t.Errorf("row %d: items %q is not an integer", i, r[1])
			}
		}
		b, _ := os.ReadFile(filepath.Join(root, "out", spec.ID, "data.csv"))
		if run == 0 {
			first = string(b)
		} else if string(b) != first {
			t.Error("the same seed made other rows")
		}
	}
}

// tabular-gan refuses image datasets at validation, and bad parameters
// name what is accepted.
func TestTabularGANValidation(t *testing.T) {
	reg := generators.NewRegistry()
	reg.Register(tabgen.Generator{})
	spec := generators.Spec{Dataset: "file:///d", Generator: tabgen.Name, Output: "file:///o"}
	if _, err := spec.Validate(reg); err == nil || !strings.Contains(err.Error(), "tables only") {
		t.Errorf("image dataset: %v, want a refusal naming tables", err)
	}
	for params, want := range map[string]string{
		`{"batch": 55, "pac": 10}`:   "multiple of pac",
		`{"time_budget": "forever"}`: "Go duration",
		`{"epochs": 0}`:              "epochs 0",
		`{"learning_rate": 0.1}`:     "learning_rate",
	} {
		if err := (tabgen.Generator{}).Validate([]byte(params)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %q", params, err, want)
		}
	}
}

// cancelAfterPuts cancels a context once its store has taken n writes.
type cancelAfterPuts struct {
	storage.Store
	n      *atomic.Int32
	cancel context.CancelFunc
}

func (s cancelAfterPuts) Put(ctx context.Context, key string, r io.Reader, size int64, o storage.PutOptions) (storage.ObjectInfo, error) {
	info, err := s.Store.Put(ctx, key, r, size, o)
	if s.n.Add(-1) == 0 {
		s.cancel()
	}
	return info, err
}

// A training interrupted after a checkpoint resumes from it in the next
// attempt and ends with the same rows as one that was never interrupted.
func TestTabularGANResumes(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("x,c,label\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%.3f,%s,%s\n", rng.NormFloat64()+float64(i%2)*4, []string{"p", "q"}[i%2], []string{"a", "b"}[i%2])
	}
	sch, err := tables.InferCSV([]tables.CSVPart{{R: strings.NewReader(b.String())}}, tables.Options{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := tables.NewCSVReader([]tables.CSVPart{{R: strings.NewReader(b.String())}}, sch, 0)
	if err != nil {
		t.Fatal(err)
	}
	enc := tables.NewEncoding(sch)
	data, err := tables.Load(rd, enc, enc.Classes...)
	if err != nil {
		t.Fatal(err)
	}
	params := []byte(`{"steps": 30, "batch": 20, "pac": 10, "checkpoint_every": 5}`)
	env := func(work storage.Store) *generators.TableEnv {
		return &generators.TableEnv{Params: params, Seed: 3, Data: data, Encoding: enc, Add: map[int]int{0: 7}, Work: work}
	}
	straight, err := tabgen.Generator{}.GenerateTable(ctx, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	work, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	var n atomic.Int32
	n.Store(2) // stop after the checkpoint of step 10
	if _, err := (tabgen.Generator{}).GenerateTable(cctx, env(cancelAfterPuts{work, &n, cancel})); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted attempt: %v, want context.Canceled", err)
	}
	resumed, err := tabgen.Generator{}.GenerateTable(ctx, env(work))
	if err != nil {
		t.Fatal(err)
	}
	if from := resumed.Report["resumed_from_step"]; from.(int) < 10 {
		t.Errorf("resumed from step %v, want at least 10 (the checkpoint before the interruption)", from)
	}
	if !reflect.DeepEqual(resumed.Data, straight.Data) {
		t.Error("the resumed training made other rows than an uninterrupted one")
	}
}
