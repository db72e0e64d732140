package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
)

// recordingHook records what it was given and returns a fixed report.
type recordingHook struct {
	got   *pipeline.QualityInput
	panic bool
}

func (h *recordingHook) Assess(_ context.Context, in *pipeline.QualityInput) pipeline.QualityOutput {
	h.got = in
	if h.panic {
		panic("measurement bug")
	}
	return pipeline.QualityOutput{Report: map[string]any{"status": "computed", "n": len(in.Samples["rare"])}, HTML: "<h2>Quality from the hook</h2>"}
}

func qualityOf(t *testing.T, st storage.Store) map[string]any {
	t.Helper()
	var report struct {
		Quality map[string]any `json:"quality"`
	}
	if err := json.Unmarshal(readAll(t, st, generators.ReportKey), &report); err != nil {
		t.Fatal(err)
	}
	return report.Quality
}

func TestQualityHook(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"common": 10, "rare": 3})
	ctx := context.Background()
	spec := generators.Spec{ID: "j1", Dataset: "file://" + root + "/ds", Generator: "oversample", Seed: 1, Output: "file://" + root + "/out",
		Strategy: generators.Strategy{Mode: generators.ModeAuto}}
	out := func(p *pipeline.Pipeline, id string) storage.Store {
		st, err := p.Open(ctx, "file://"+root+"/out")
		if err != nil {
			t.Fatal(err)
		}
		return storage.Sub(st, id)
	}

	t.Run("report and html", func(t *testing.T) {
		p := newPipeline(t, root)
		h := &recordingHook{}
		p.Quality = h
		if _, err := p.Run(ctx, spec, func(generators.Progress) {}); err != nil {
			t.Fatal(err)
		}
		if got := h.got.Samples["rare"]; len(got) != 7 || got[0] != "data/rare/syn_oversample_000000.png" {
			t.Errorf("hook got samples %v, want the 7 rare sample keys in index order", got)
		}
		if h.got.Added["rare"] != 7 || len(h.got.Train) != 13 {
			t.Errorf("hook got added %v and %d training files, want rare 7 and 13", h.got.Added, len(h.got.Train))
		}
		if q := qualityOf(t, out(p, "j1")); q["n"] != 7.0 {
			t.Errorf("report.json quality = %v, want the hook's report", q)
		}
		if page := string(readAll(t, out(p, "j1"), generators.ReportHTMLKey)); !strings.Contains(page, "<h2>Quality from the hook</h2>") {
			t.Error("report.html lacks the hook's section")
		}
	})

	t.Run("panic does not fail the job", func(t *testing.T) {
		p := newPipeline(t, root)
		p.Quality = &recordingHook{panic: true}
		s := spec
		s.ID = "j2"
		if _, err := p.Run(ctx, s, func(generators.Progress) {}); err != nil {
			t.Fatalf("a panicking quality hook failed the job: %v", err)
		}
		q := qualityOf(t, out(p, "j2"))
		if q["status"] != "failed" || !strings.Contains(q["errors"].([]any)[0].(string), "measurement bug") {
			t.Errorf("quality = %v, want status failed naming the panic", q)
		}
		if _, err := out(p, "j2").Stat(ctx, generators.SuccessKey); err != nil {
			t.Errorf("_SUCCESS: %v", err)
		}
	})

	t.Run("off", func(t *testing.T) {
		p := newPipeline(t, root)
		h := &recordingHook{}
		p.Quality = h
		s := spec
		s.ID, s.Quality = "j3", generators.QualityOff
		if _, err := p.Run(ctx, s, func(generators.Progress) {}); err != nil {
			t.Fatal(err)
		}
		if h.got != nil {
			t.Error("the hook ran although quality is off")
		}
		if q := qualityOf(t, out(p, "j3")); q["status"] != "off" {
			t.Errorf("quality = %v, want status off", q)
		}
	})

	t.Run("bad value", func(t *testing.T) {
		s := spec
		s.ID, s.Quality = "j4", "sometimes"
		_, err := newPipeline(t, root).Run(ctx, s, func(generators.Progress) {})
		var pe *generators.ParamError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), `"auto"`) {
			t.Errorf("quality sometimes: %v, want a *ParamError naming the accepted values", err)
		}
	})
}

// RunDataset generates from the view's files only.
func TestRunDatasetView(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"common": 10, "rare": 4})
	ctx := context.Background()
	p := newPipeline(t, root)
	src, err := p.Open(ctx, "file://"+root+"/ds")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := datasets.Scan(ctx, src, datasets.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	view := &datasets.Dataset{Layout: ds.Layout, Fingerprint: "view"}
	for _, f := range ds.Files {
		if f.Key != "rare/000.png" && f.Key != "rare/001.png" { // hold two rare files out
			view.Files = append(view.Files, f)
		}
	}
	res, err := p.RunDataset(ctx, generators.Spec{ID: "v1", Dataset: "file://" + root + "/ds", Generator: "oversample", Seed: 2,
		Output: "file://" + root + "/out", Strategy: generators.Strategy{Mode: generators.ModeAuto}}, view, func(generators.Progress) {})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added["rare"] != 8 {
		t.Errorf("added %v, want rare 8 (2 files in the view, 10 common)", res.Added)
	}
	outRoot, _ := p.Open(ctx, "file://"+root+"/out")
	meta := string(readAll(t, storage.Sub(outRoot, "v1"), generators.MetadataKey))
	if strings.Contains(meta, "rare/000.png") || strings.Contains(meta, "rare/001.png") {
		t.Error("a sample was copied from a file outside the view")
	}
	if _, err := p.RunDataset(ctx, generators.Spec{ID: "v2"}, &datasets.Dataset{}, func(generators.Progress) {}); err == nil {
		t.Error("an empty view was accepted")
	}
}
