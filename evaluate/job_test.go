package evaluate_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/quality"
)

// splitDataset writes train/{h: 40, v: 40, d: 8} and test/{h, v, d: 16}.
func splitDataset(t *testing.T, root string) string {
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "train", map[string]int{"h": 40, "v": 40, "d": 8}, 1)
	writeSplit(t, dir, "test", map[string]int{"h": 16, "v": 16, "d": 16}, 2)
	return dir
}

func classFidelity(t *testing.T, q *evaluate.JobQuality, class string) evaluate.ClassFidelity {
	t.Helper()
	for _, c := range q.Classes {
		if c.Class == class {
			return c
		}
	}
	t.Fatalf("no fidelity for class %q in %+v", class, q.Classes)
	return evaluate.ClassFidelity{}
}

// Copies of the held-out images are the held-out distribution itself:
// the Fréchet distance is 0 up to rounding and precision and recall are 1.
// Copies of training images are flagged as near-copies.
func TestJobQualityKnownAnswers(t *testing.T) {
	root := t.TempDir()
	ds := splitDataset(t, root)
	p := testPipeline(t, &evaluate.Hook{Config: fastConfig()}, []generators.Generator{heldOutCopy{}}, root)
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 16}}

	t.Run("held-out copies", func(t *testing.T) {
		q, _, _ := runJob(t, p, generators.Spec{Dataset: "file://" + ds, Generator: "heldoutcopy", Strategy: add, Seed: 1, Output: "file://" + root + "/out"})
		if q.Status != evaluate.StatusComputed {
			t.Fatalf("status %q, errors %v", q.Status, q.Errors)
		}
		f := classFidelity(t, q, "d")
		if f.Reference != evaluate.ReferenceHeldOut || f.NReal != 16 || f.NFake != 16 {
			t.Errorf("reference %q, n_real %d, n_fake %d; want held-out, 16, 16", f.Reference, f.NReal, f.NFake)
		}
		// Identical sets: the means agree exactly and the covariance term
		// is 2tr(C) − 2tr((C^½CC^½)^½), zero up to the eigensolver's
		// rounding; 1e-6 is far below the distance between two classes
		// (checked below to be > 1).
		if f.Frechet == nil || f.Frechet.Distance > 1e-6 || f.Frechet.MeanTerm != 0 {
			t.Errorf("Fréchet of copies = %+v, want d² < 1e-6 and mean term 0", f.Frechet)
		}
		if pr := f.PrecisionRecall; pr == nil || pr.Precision != 1 || pr.Recall != 1 || pr.K != 3 {
			t.Errorf("precision/recall of copies = %+v, want 1, 1 with k = 3", pr)
		}
		if m := f.Memorization; m == nil || m.Alert || m.NFlagged != 0 {
			t.Errorf("memorization of held-out images against training = %+v, want nothing flagged", m)
		}
	})

	t.Run("training copies", func(t *testing.T) {
		q, _, page := runJob(t, p, generators.Spec{ID: "job2", Dataset: "file://" + ds, Generator: "oversample", Strategy: add, Seed: 1, Output: "file://" + root + "/out"})
		f := classFidelity(t, q, "d")
		m := f.Memorization
		if m == nil || m.FlaggedShare != 1 || !m.Alert || m.NSynthetic != 16 {
			t.Fatalf("memorization of byte-exact training copies = %+v, want every sample flagged and the alert raised", m)
		}
		if !strings.HasPrefix(m.Flagged[0].NearestTrain, "train/d/") || m.Flagged[0].Ratio != 0 {
			t.Errorf("flagged[0] = %+v, want ratio 0 to a train/d/ file", m.Flagged[0])
		}
		if f.Frechet == nil || f.Frechet.Distance <= 1e-3 {
			t.Errorf("Fréchet of training copies against held-out = %+v, want clearly above 0", f.Frechet)
		}
		if !strings.Contains(page, "NEAR-COPIES") {
			t.Error("report.html does not show the near-copy alert")
		}
	})

	t.Run("another class's images", func(t *testing.T) {
		// "h" samples for class "d": far from the held-out "d" images.
		dir := filepath.Join(root, "wrong")
		writeSplit(t, dir, "train", map[string]int{"h": 40, "v": 40, "d": 8}, 1)
		writeSplit(t, dir, "test", map[string]int{"h": 16, "v": 16}, 2)
		rng := rand.New(rand.NewPCG(9, 9))
		for i := range 16 {
			writePNG(t, filepath.Join(dir, "test", "d", fmt.Sprintf("test_%03d.png", i)), pattern("h", rng))
		}
		q, _, _ := runJob(t, p, generators.Spec{ID: "job3", Dataset: "file://" + dir, Generator: "oversample", Strategy: add, Seed: 1, Output: "file://" + root + "/out"})
		f := classFidelity(t, q, "d")
		if pr := f.PrecisionRecall; pr == nil || pr.Precision > 0.2 {
			t.Errorf("precision of diagonal samples against horizontal held-out images = %+v, want near 0", pr)
		}
		if f.Frechet == nil || f.Frechet.Distance < 1 {
			t.Errorf("Fréchet between two classes = %+v, want > 1", f.Frechet)
		}
	})
}

// A separable problem whose held-out "v" folder holds 4 "h" images among
// 16: a classifier that learned the classes scores recall 12/16 on "v",
// precision 16/20 on "h", whatever the variant.
func TestJobQualityUtilityKnownAccuracy(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "train", map[string]int{"h": 40, "v": 40, "d": 10}, 1)
	writeSplit(t, dir, "test", map[string]int{"h": 16, "d": 16}, 2)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range 16 {
		class := "v"
		if i < 4 {
			class = "h"
		}
		writePNG(t, filepath.Join(dir, "test", "v", fmt.Sprintf("test_%03d.png", i)), pattern(class, rng))
	}
	// Known answers of the logistic judge, which learns these classes.
	cfg := fastConfig()
	cfg.Judges = []string{evaluate.JudgeLogReg}
	p := testPipeline(t, &evaluate.Hook{Config: cfg}, nil, root)
	q, _, page := runJob(t, p, generators.Spec{Dataset: "file://" + dir, Generator: "oversample",
		Strategy: generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"d": 30}}, Seed: 3, Output: "file://" + root + "/out"})
	u := q.Utility
	if u == nil {
		t.Fatalf("no utility: %v", q.Errors)
	}
	var names []string
	for _, v := range u.Variants {
		names = append(names, v.Name)
		classes := map[string]quality.ClassSummary{}
		for _, c := range v.PerClass {
			classes[c.Name] = c
		}
		// Means over seeds of equal values: equal up to float rounding.
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
		if got := classes["v"].Recall.Mean; !near(got, 0.75) {
			t.Errorf("%s: recall of v = %v, want 12/16 = 0.75", v.Name, got)
		}
		if got := classes["h"].Precision.Mean; !near(got, 0.8) {
			t.Errorf("%s: precision of h = %v, want 16/20 = 0.8", v.Name, got)
		}
		if got := classes["d"].F1.Mean; !near(got, 1) {
			t.Errorf("%s: F1 of d = %v, want 1", v.Name, got)
		}
	}
	want := "real,random_oversampling,smote,job:oversample"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("variants %s, want %s", got, want)
	}
	if len(u.Config.Minority) != 1 || u.Config.ClassNames[u.Config.Minority[0]] != "d" {
		t.Errorf("minority classes %v, want [d]", u.Config.Minority)
	}
	for _, l := range u.Lifts {
		if l.Variant == "job:oversample" && l.Over != quality.VariantReal && l.Over != quality.VariantSMOTE {
			t.Errorf("lift of the job over %q, want over real and smote", l.Over)
		}
	}
	for _, want := range []string{"<h3>Utility", "<h3>Lifts", "F1 per class", "data:image/png;base64,", "Fidelity and memorization"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestJobQualityNoHeldOut(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ds")
	writeSplit(t, dir, "", map[string]int{"h": 30, "v": 30, "d": 6}, 1)
	if err := os.WriteFile(filepath.Join(dir, "h", "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := testPipeline(t, &evaluate.Hook{Config: fastConfig()}, nil, root)
	q, _, page := runJob(t, p, generators.Spec{Dataset: "file://" + dir, Generator: "oversample", Seed: 1, Output: "file://" + root + "/out"})
	if q.Note != evaluate.NoHeldOutNote || q.Utility != nil || q.HeldOut.Source != evaluate.HeldOutNone {
		t.Errorf("note %q, utility %v, source %q; want the no-held-out note, no utility, source none", q.Note, q.Utility != nil, q.HeldOut.Source)
	}
	if f := classFidelity(t, q, "d"); f.Reference != evaluate.ReferenceTraining || f.Frechet == nil {
		t.Errorf("class d: reference %q, Fréchet %v; want measured against training files", f.Reference, f.Frechet)
	}
	if q.NUnreadable != 1 || q.Unreadable[0].Key != "h/broken.png" {
		t.Errorf("unreadable %d %v, want h/broken.png counted", q.NUnreadable, q.Unreadable)
	}
	if !strings.Contains(page, "no held-out split") {
		t.Error("report.html lacks the no-held-out note")
	}
}

func TestJobQualityOff(t *testing.T) {
	root := t.TempDir()
	ds := splitDataset(t, root)
	p := testPipeline(t, &evaluate.Hook{Config: fastConfig()}, nil, root)
	_, m, page := runJob(t, p, generators.Spec{Dataset: "file://" + ds, Generator: "oversample", Seed: 1, Output: "file://" + root + "/out", Quality: generators.QualityOff})
	if m["status"] != generators.QualityOff || m["classes"] != nil {
		t.Errorf("quality = %v, want status off and no figures", m)
	}
	if strings.Contains(page, "Fidelity and memorization") {
		t.Error("report.html shows fidelity although quality is off")
	}
}
