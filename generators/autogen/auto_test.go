package autogen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/autogen"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// bars writes n noisy 12x12 gray PNGs under root/dir: horizontal bars or
// vertical ones.
func bars(t testing.TB, root, dir string, n int, vertical bool, seed uint64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range n {
		img := barImage(rng, vertical)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, fmt.Sprintf("%03d.png", i)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func barImage(rng *rand.Rand, vertical bool) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 12, 12))
	phase := 0 // fixed: the classes are linearly separable, up to the noise
	for y := range 12 {
		for x := range 12 {
			v := x
			if !vertical {
				v = y
			}
			level := 40 + rng.IntN(60)
			if (v+phase)%4 < 2 {
				level = 160 + rng.IntN(60)
			}
			img.Pix[y*12+x] = uint8(level)
		}
	}
	return img
}

// wrongClass hurts on purpose: its samples for any class are bars of the
// common class's orientation (horizontal).
type wrongClass struct{}

func (wrongClass) Info() generators.Info {
	return generators.Info{Name: "wrong", Kinds: []string{"image"}}
}
func (wrongClass) Validate(json.RawMessage) error { return nil }
func (wrongClass) Start(context.Context, *generators.Env) (generators.Run, error) {
	return wrongRun{}, nil
}

type wrongRun struct{}

func (wrongRun) Generate(_ context.Context, class string, i int) (*generators.Sample, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, barImage(generators.SampleRand(1, class, i), false)); err != nil {
		return nil, err
	}
	return &generators.Sample{Data: buf.Bytes(), Ext: ".png", ContentType: "image/png"}, nil
}
func (wrongRun) Finish(context.Context) (*generators.Extras, error) { return nil, nil }

// heavy is a generator that declares itself heavy.
type heavy struct{ wrongClass }

func (heavy) Info() generators.Info {
	return generators.Info{Name: "heavy", Kinds: []string{"image"}, Heavy: true}
}

func registry(t testing.TB) *generators.Registry {
	t.Helper()
	reg := generators.NewRegistry()
	for _, g := range []generators.Generator{generators.Oversample{}, wrongClass{}, heavy{}} {
		if err := reg.Register(g); err != nil {
			t.Fatal(err)
		}
	}
	if err := smotegen.Register(reg); err != nil {
		t.Fatal(err)
	}
	// 12x12 features (the images' own size) keep the judges' PCA and CNN
	// small under -race.
	if err := reg.Register(autogen.Generator{Registry: reg, Features: evaluate.FeatureOptions{Size: 12}}); err != nil {
		t.Fatal(err)
	}
	return reg
}

func dataset(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	bars(t, root, "data/common", 40, false, 1)
	bars(t, root, "data/rare", 6, true, 2)
	return root
}

type report struct {
	Alerts []generators.Alert `json:"alerts"`
	Gen    struct {
		Auto    autogen.Selection `json:"auto"`
		Methods map[string]any    `json:"methods"`
	} `json:"generator_report"`
}

// runJob runs an auto job through the pipeline and returns its report and
// metadata rows.
func runJob(t testing.TB, reg *generators.Registry, root, params string, seed int64) (report, []map[string]any) {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Registry: reg, Workers: 2, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
	id := fmt.Sprintf("job-%d", seed)
	spec := generators.Spec{ID: id, Dataset: root + "/data", Generator: autogen.Name, Params: json.RawMessage(params),
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Seed: seed, Output: root + "/out"}
	if _, err := p.Run(context.Background(), spec, func(generators.Progress) {}); err != nil {
		t.Fatalf("auto job: %v", err)
	}
	read := func(key string) []byte {
		b, err := os.ReadFile(filepath.Join(root, "out", id, key))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var rep report
	if err := json.Unmarshal(read(generators.ReportKey), &rep); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(read(generators.MetadataKey))), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rep, rows
}

// A candidate that makes samples of the wrong class loses to plain copies,
// and the report says why, with every candidate's figures.
func TestAutoAvoidsAHarmfulCandidate(t *testing.T) {
	root := dataset(t)
	reg := registry(t)
	params := `{"candidates": [{"generator": "wrong"}, {"generator": "oversample"}], "judges": ["logreg"], "folds": 3}`
	rep, rows := runJob(t, reg, root, params, 7)
	sel := rep.Gen.Auto
	if len(sel.Classes) != 1 || sel.Classes[0].Class != "rare" {
		t.Fatalf("classes %+v, want one choice for rare", sel.Classes)
	}
	ch := sel.Classes[0]
	t.Log(ch.Why)
	if ch.Winner != "oversample" {
		t.Fatalf("winner %q (%s), want oversample over the harmful candidate", ch.Winner, ch.Why)
	}
	if len(ch.Scores) != 2 || ch.Scores[0].Name != "wrong" || ch.Scores[0].F1 >= ch.Scores[1].F1 {
		t.Errorf("scores %+v, want wrong below oversample", ch.Scores)
	}
	if ch.Scores[0].LiftOverReal >= 0 {
		t.Errorf("wrong's lift over real %.3f, want negative (its samples are the other class)", ch.Scores[0].LiftOverReal)
	}
	// The default: 3 cross-validations of 3 folds.
	for _, s := range ch.Scores {
		if st, ok := s.ByJudge["logreg"]; !ok || st.N != 9 || len(s.ByRepeat) != 3 {
			t.Errorf("%s by judge %+v, by repeat %v, want logreg over 3 folds x 3 repeats", s.Name, s.ByJudge, s.ByRepeat)
		}
	}
	if !strings.Contains(ch.Why, "oversample had score") || !strings.Contains(ch.Why, "wrong") {
		t.Errorf("why %q, want the winner's F1 and the beaten candidate", ch.Why)
	}
	page, err := os.ReadFile(filepath.Join(root, "out", "job-7", generators.ReportHTMLKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Auto-selection for class rare", "oversample (chosen)", "lift over real", "logreg soft F1"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if sel.Protocol == "" || sel.Folds != 3 || sel.Repeats != 3 {
		t.Errorf("protocol %q folds %d repeats %d, want 3 and 3", sel.Protocol, sel.Folds, sel.Repeats)
	}
	// 40 common, 6 rare: auto brings rare to 40, all with oversample.
	if len(rows) != 34 {
		t.Fatalf("%d samples, want 34", len(rows))
	}
	for _, r := range rows {
		a, _ := r["auto"].(map[string]any)
		if r["label"] != "rare" || a["method"] != "oversample" || a["generator"] != "oversample" {
			t.Fatalf("metadata row %v, want rare samples made by oversample", r)
		}
	}
}

// A candidate that helps nothing and one that hurts: when every candidate
// lowers the class's F1 the least harmful one wins and the choice is
// marked.
func TestAutoMarksHarmWhenNothingHelps(t *testing.T) {
	root := dataset(t)
	rep, _ := runJob(t, registry(t), root, `{"candidates": [{"generator": "wrong"}, {"name": "wrong2", "generator": "wrong"}], "judges": ["logreg"], "folds": 2}`, 3)
	ch := rep.Gen.Auto.Classes[0]
	if len(rep.Alerts) != 1 || rep.Alerts[0].Kind != generators.AlertHarm || !strings.Contains(rep.Alerts[0].Message, `no candidate helped class "rare"`) {
		t.Errorf("report alerts %+v, want one harm alert for rare", rep.Alerts)
	}
	if !ch.Harm || !strings.Contains(ch.Why, "WARNING") {
		t.Errorf("choice %+v, want Harm marked and a warning", ch)
	}
	if ch.Winner != "wrong" {
		t.Errorf("winner %q, want the earlier of two equal candidates", ch.Winner)
	}
}

// Both judges score every candidate, and the same seed chooses the same.
func TestAutoBothJudgesDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the CNN judge 12 times")
	}
	root := dataset(t)
	reg := registry(t)
	params := `{"candidates": [{"generator": "oversample"}, {"generator": "wrong"}], "folds": 2, "repeats": 1}`
	a, rowsA := runJob(t, reg, root, params, 5)
	ch := a.Gen.Auto.Classes[0]
	for _, s := range ch.Scores {
		if len(s.ByJudge) != 2 || s.ByJudge["cnn"].N != 2 || s.ByJudge["logreg"].N != 2 {
			t.Fatalf("%s: by judge %+v, want logreg and cnn over 2 folds", s.Name, s.ByJudge)
		}
	}
	if ch.Winner != "oversample" {
		t.Errorf("winner %q (%s), want oversample", ch.Winner, ch.Why)
	}
	if err := os.RemoveAll(filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	b, rowsB := runJob(t, reg, root, params, 5)
	ja, _ := json.Marshal(a.Gen.Auto)
	jb, _ := json.Marshal(b.Gen.Auto)
	if !bytes.Equal(ja, jb) || len(rowsA) != len(rowsB) {
		t.Errorf("same seed, different selection:\n%s\n%s", ja, jb)
	}
}

// The comparison never reads a held-out split: a test/ folder whose files
// would break the featurizer is left alone.
func TestAutoReadsTrainingSplitOnly(t *testing.T) {
	root := t.TempDir()
	bars(t, root, "data/train/common", 20, false, 1)
	bars(t, root, "data/train/rare", 4, true, 2)
	bars(t, root, "data/test/rare", 3, true, 3)
	st, err := local.New(filepath.Join(root, "data"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	work, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reads := &countingStore{Store: st, seen: map[string]bool{}}
	env := &generators.Env{Params: json.RawMessage(`{"candidates": [{"generator": "oversample"}], "judges": ["logreg"], "folds": 2}`),
		Seed: 1, Source: reads, Dataset: d, Train: datasets.ByClass(d.TrainFiles()), Plan: map[string]int{"rare": 16}, Work: work}
	if _, err := (autogen.Generator{Registry: registry(t), Features: evaluate.FeatureOptions{Size: 12}}).Start(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	for k := range reads.seen {
		if strings.HasPrefix(k, "test/") {
			t.Errorf("auto read held-out file %s", k)
		}
	}
	if len(reads.seen) == 0 {
		t.Fatal("no reads recorded")
	}
}

// countingStore records the keys read (Get is called concurrently).
type countingStore struct {
	storage.Store
	mu   sync.Mutex
	seen map[string]bool
}

func (c *countingStore) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	c.mu.Lock()
	c.seen[key] = true
	c.mu.Unlock()
	return c.Store.Get(ctx, key)
}

func TestAutoParamErrors(t *testing.T) {
	g := autogen.Generator{Registry: registry(t)}
	for _, tc := range []struct{ params, want string }{
		{`{"folds": 1}`, "folds 1: want 2 to 10"},
		{`{"folds": 11}`, "want 2 to 10"},
		{`{"repeats": 0}`, "repeats 0: want 1 to 5"},
		{`{"repeats": 6}`, "repeats 6: want 1 to 5"},
		{`{"judges": ["svm"]}`, `"svm" is unknown or repeated; accepted: logreg, cnn`},
		{`{"judges": []}`, "judges is empty"},
		{`{"judges": ["cnn", "cnn"]}`, "unknown or repeated"},
		{`{"tie": -1}`, "tie -1"},
		{`{"max_per_class": 5}`, "max_per_class 5: want 10 to 100000"},
		{`{"candidates": []}`, "want 1 to 8 methods"},
		{`{"candidates": [{"generator": "nope"}]}`, `unknown generator "nope"; available:`},
		{`{"candidates": [{"generator": "heavy"}]}`, "heavy generator"},
		{`{"candidates": [{"generator": "auto"}]}`, "cannot be a candidate of itself"},
		{`{"candidates": [{"generator": "oversample"}, {"generator": "oversample"}]}`, "used twice"},
		{`{"candidates": [{"name": "real", "generator": "oversample"}]}`, "nothing-added row"},
		{`{"candidates": [{"generator": "oversample", "params": {"max_bytes": -1}}]}`, "max_bytes -1 must be positive"},
		{`{"folds": "3"}`, `parameter "folds"`},
		{`{"fold": 3}`, `unknown parameter "fold"`},
	} {
		err := g.Validate(json.RawMessage(tc.params))
		var pe *generators.ParamError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%s) = %v, want a ParamError containing %q", tc.params, err, tc.want)
		}
	}
	if err := g.Validate(nil); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// A rare class with one image cannot be compared: the error says so and
// what to do instead.
func TestAutoNeedsTwoImages(t *testing.T) {
	root := t.TempDir()
	bars(t, root, "common", 10, false, 1)
	bars(t, root, "rare", 1, true, 2)
	st, _ := local.New(root)
	d, err := datasets.Scan(context.Background(), st, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	work, _ := local.New(t.TempDir())
	env := &generators.Env{Params: json.RawMessage(`{"judges": ["logreg"]}`), Seed: 1, Source: st, Dataset: d,
		Train: datasets.ByClass(d.TrainFiles()), Plan: map[string]int{"rare": 9}, Work: work}
	_, err = autogen.Generator{Registry: registry(t), Features: evaluate.FeatureOptions{Size: 12}}.Start(context.Background(), env)
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `class "rare" has 1 readable training file`) {
		t.Fatalf("Start = %v, want a DatasetError about the one rare image", err)
	}
}

// Repeat r of a job is the comparison a job of seed+r runs: with repeats 2
// at seed 5, the second cross-validation alone scores every candidate as
// a one-repeat job of seed 6 does, and the pooled score lies between the
// two.
func TestAutoRepeatsPoolSeeds(t *testing.T) {
	root := dataset(t)
	reg := registry(t)
	const base = `{"candidates": [{"generator": "wrong"}, {"generator": "oversample"}], "judges": ["logreg"], "folds": 2`
	one := map[int64]autogen.ClassChoice{}
	for _, seed := range []int64{5, 6} {
		rep, _ := runJob(t, reg, root, base+`, "repeats": 1}`, seed)
		one[seed] = rep.Gen.Auto.Classes[0]
	}
	// A second copy of the same images: the job of seed 5 writes its own
	// output folder.
	both, _ := runJob(t, reg, dataset(t), base+`, "repeats": 2}`, 5)
	sel := both.Gen.Auto
	if sel.Repeats != 2 || !strings.Contains(sel.Protocol, "repeated 2 times") {
		t.Errorf("repeats %d, protocol %q: want 2 and said so", sel.Repeats, sel.Protocol)
	}
	ch := sel.Classes[0]
	if len(ch.RepeatWinners) != 2 || !strings.Contains(ch.Why, "each of the 2 cross-validations alone chose") {
		t.Errorf("repeat winners %v, why %q: want one winner per repeat, said", ch.RepeatWinners, ch.Why)
	}
	for i, s := range ch.Scores {
		if len(s.ByRepeat) != 2 {
			t.Fatalf("%s: by repeat %v, want 2 scores", s.Name, s.ByRepeat)
		}
		for r, seed := range []int64{5, 6} {
			if got, want := s.ByRepeat[r], one[seed].Scores[i].F1; math.Abs(got-want) > 1e-12 {
				t.Errorf("%s repeat %d: score %v, want %v (the one-repeat job of seed %d)", s.Name, r+1, got, want, seed)
			}
		}
		lo, hi := min(s.ByRepeat[0], s.ByRepeat[1]), max(s.ByRepeat[0], s.ByRepeat[1])
		if s.F1 < lo-1e-12 || s.F1 > hi+1e-12 {
			t.Errorf("%s: pooled score %v outside its repeats' %v", s.Name, s.F1, s.ByRepeat)
		}
		if st := s.ByJudge["logreg"]; st.N != 4 {
			t.Errorf("%s: %d fold F1s, want 2 folds x 2 repeats", s.Name, st.N)
		}
	}
	if ch.Winner != "oversample" {
		t.Errorf("winner %q, want oversample over the harmful candidate", ch.Winner)
	}
}
