package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// extraGen copies samples like oversample and returns one picture, at
// key, from Finish.
type extraGen struct {
	generators.Oversample
	key string
}

func (g extraGen) Info() generators.Info {
	i := g.Oversample.Info()
	i.Name = "extra"
	return i
}

func (g extraGen) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	r, err := g.Oversample.Start(ctx, env)
	return extraRun{r, g.key}, err
}

type extraRun struct {
	generators.Run
	key string
}

func (r extraRun) Finish(context.Context) (*generators.Extras, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		return nil, err
	}
	return &generators.Extras{Files: []generators.ExtraFile{{Key: r.key, Data: buf.Bytes(), ContentType: "image/png"}}}, nil
}

// TestReportDir (issue 13 item 15): pictures that are not samples go under
// __report/, which Hugging Face's imagefolder skips, so the job root holds
// no image outside data/ and __report/; report.html still shows them; a
// generator that puts one elsewhere fails the job instead of shipping a
// picture a loader would read as a sample.
func TestReportDir(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "ds"), map[string]int{"common": 6, "rare": 2})
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
	run := func(id, key string) error {
		reg := generators.NewRegistry()
		if err := reg.Register(extraGen{key: key}); err != nil {
			t.Fatal(err)
		}
		p.Registry = reg
		_, err := p.Run(context.Background(), generators.Spec{ID: id, Dataset: root + "/ds", Generator: "extra",
			Strategy: generators.Strategy{Mode: "auto"}, Seed: 1, Output: "file://" + root + "/out"}, func(generators.Progress) {})
		return err
	}
	if err := run("ok", generators.ReportDir+"/sheet.png"); err != nil {
		t.Fatal(err)
	}
	out, _ := newStoreAt(t, root+"/out/ok")
	keys := storagetest.Keys(t, context.Background(), out, "", storage.ListOptions{})
	var sheet bool
	for _, k := range keys {
		switch {
		case k == "__report/sheet.png":
			sheet = true
		case strings.HasPrefix(k, "data/"):
		case strings.HasSuffix(k, ".png"):
			t.Errorf("%s: a picture outside data/ and __report/", k)
		}
	}
	if !sheet {
		t.Fatalf("keys %q lack __report/sheet.png", keys)
	}
	var rep map[string]any
	if err := json.Unmarshal(readAll(t, out, "report.json"), &rep); err != nil {
		t.Fatal(err)
	}
	if page := string(readAll(t, out, "report.html")); !strings.Contains(page, "data:image/png;base64,") {
		t.Errorf("report.html does not show the picture")
	}
	for _, key := range []string{"sheet.png", "__report/../sheet.png", "data/rare/sheet.png"} {
		if err := run("bad"+strings.NewReplacer("/", "-", ".", "-").Replace(key), key); err == nil || !strings.Contains(err.Error(), "not under __report/") {
			t.Errorf("extra file %q: err = %v, want refused as not under __report/", key, err)
		}
	}
}
