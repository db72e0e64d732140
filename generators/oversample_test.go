package generators_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
)

type overJob struct {
	res    *pipeline.Result
	rows   []map[string]any
	report map[string]any
	gen    map[string]any
	data   map[string][]byte // sample key -> bytes
}

func runOversample(t *testing.T, root, id, params string, strategy generators.Strategy) (*overJob, error) {
	t.Helper()
	p := newPipeline(t, root)
	spec := generators.Spec{ID: id, Dataset: root + "/ds", Generator: "oversample", Params: json.RawMessage(params),
		Strategy: strategy, Seed: 5, Output: root + "/out"}
	res, err := p.Run(context.Background(), spec, func(generators.Progress) {})
	if err != nil {
		return nil, err
	}
	out, _ := newStoreAt(t, root+"/out/"+id)
	j := &overJob{res: res, data: map[string][]byte{}}
	for _, l := range strings.Split(strings.TrimSpace(string(readAll(t, out, generators.MetadataKey))), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		j.rows = append(j.rows, row)
		j.data[row["file_name"].(string)] = readAll(t, out, row["file_name"].(string))
	}
	if err := json.Unmarshal(readAll(t, out, generators.ReportKey), &j.report); err != nil {
		t.Fatal(err)
	}
	j.gen, _ = j.report["generator_report"].(map[string]any)
	return j, nil
}

// TestOversampleSkipsBadFiles: a PNG whose header declares 100000x100000,
// a truncated PNG, a text file named .png (and their WAV and .npy kin) are
// never copied into the output: they are listed per file in the report's
// bad_files, and the samples are copies of the readable files only.
func TestOversampleSkipsBadFiles(t *testing.T) {
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writePNGs(t, ds, map[string]int{"common": 12, "rare": 2})
	full := noisePNG(t)
	wav, npy := wavBytes(t, 800), npyBytes(t, 64)
	writeFiles(t, ds, map[string][]byte{
		"rare/huge.png":      pngHeaderOnly(100000, 100000),
		"rare/truncated.png": full[:len(full)/2],
		"rare/text.png":      []byte("this is not an image\n"),
		"sound/000.wav":      wav,
		"sound/001.wav":      wav[:len(wav)-1],
		"sound/002.wav":      wav[:len(wav)/2],
		"sound/text.wav":     []byte("this is not a WAV file\n"),
		"vec/000.npy":        npy,
		"vec/001.npy":        npyBytes(t, 32),
		"vec/truncated.npy":  npy[:len(npy)-10],
		"vec/text.npy":       []byte("this is not an array\n"),
	})
	// auto brings rare (5 files), sound and vec (4 each) to 12.
	j, err := runOversample(t, root, "j", `{}`, generators.Strategy{Mode: generators.ModeAuto})
	if err != nil {
		t.Fatalf("job with bad files failed: %v; want them skipped and reported", err)
	}
	wantBad := map[string]string{
		"rare/huge.png":      "pixel limit",
		"rare/truncated.png": "corrupt",
		"rare/text.png":      "unsupported image format",
		"sound/001.wav":      "WAV",
		"sound/002.wav":      "WAV",
		"sound/text.wav":     "WAV",
		"vec/truncated.npy":  ".npy",
		"vec/text.npy":       ".npy",
	}
	bad, _ := j.gen["bad_files"].([]any)
	got := map[string]bool{}
	for _, b := range bad {
		m := b.(map[string]any)
		key, _ := m["key"].(string)
		reason, _ := m["reason"].(string)
		got[key] = true
		want, ok := wantBad[key]
		if !ok {
			t.Errorf("bad_files lists %s (%s), a good file", key, reason)
			continue
		}
		if !strings.Contains(reason, want) || m["class"] != strings.Split(key, "/")[0] {
			t.Errorf("bad file %v: want class %q and a reason containing %q", m, strings.Split(key, "/")[0], want)
		}
	}
	for k := range wantBad {
		if !got[k] {
			t.Errorf("bad_files %v lacks %s", bad, k)
		}
	}
	if j.res.Added["rare"] != 7 || j.res.Added["sound"] != 8 || j.res.Added["vec"] != 8 || len(j.rows) != 23 {
		t.Fatalf("added %v, %d rows; want rare 7, sound 8, vec 8", j.res.Added, len(j.rows))
	}
	for _, row := range j.rows {
		srcs := row["sources"].([]any)
		src := srcs[0].(string)
		if _, isBad := wantBad[src]; isBad {
			t.Errorf("%s is a copy of the bad file %s", row["file_name"], src)
			continue
		}
		want, err := os.ReadFile(filepath.Join(ds, filepath.FromSlash(src)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(j.data[row["file_name"].(string)], want) {
			t.Errorf("%s is not a copy of %s", row["file_name"], src)
		}
	}
	classes, _ := j.gen["classes"].(map[string]any)
	rare, _ := classes["rare"].(map[string]any)
	if rare["files_used"] != 2.0 || rare["files_excluded"] != 3.0 {
		t.Errorf("report classes.rare = %v, want files_used 2, files_excluded 3", rare)
	}
}

// TestOversampleNoReadableFile: a class whose every file is bad fails the
// job with a DatasetError naming the class and the bad files, instead of
// copying them.
func TestOversampleNoReadableFile(t *testing.T) {
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writePNGs(t, ds, map[string]int{"common": 5})
	writeFiles(t, ds, map[string][]byte{"rare/text.png": []byte("text"), "rare/huge.png": pngHeaderOnly(100000, 100000)})
	_, err := runOversample(t, root, "j", `{}`, generators.Strategy{Mode: generators.ModeAuto})
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), `class "rare"`) || !strings.Contains(err.Error(), "rare/text.png") {
		t.Fatalf("error %v (%T), want a DatasetError naming class \"rare\" and its bad files", err, err)
	}
}

// TestOversampleFewSources: with min_sources 2 a class with one readable
// file fails the job with a message naming it; allow_few_sources makes the
// copies with a few_sources alert in the result and report.json.
func TestOversampleFewSources(t *testing.T) {
	root := t.TempDir()
	ds := filepath.Join(root, "ds")
	writePNGs(t, ds, map[string]int{"common": 6, "rare": 1})
	writeFiles(t, ds, map[string][]byte{"rare/text.png": []byte("text")})
	_, err := runOversample(t, root, "refused", `{"min_sources": 2}`, generators.Strategy{Mode: generators.ModeAuto})
	var de *datasets.DatasetError
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T), want a DatasetError", err, err)
	}
	for _, w := range []string{`class "rare"`, "1 readable", "min_sources 2", "allow_few_sources"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	j, err := runOversample(t, root, "allowed", `{"min_sources": 2, "allow_few_sources": true}`, generators.Strategy{Mode: generators.ModeAuto})
	if err != nil {
		t.Fatal(err)
	}
	if len(j.res.Alerts) != 1 || j.res.Alerts[0].Kind != generators.AlertFewSources || !strings.Contains(j.res.Alerts[0].Message, `class "rare"`) {
		t.Errorf("result alerts %+v, want one few_sources alert naming class \"rare\"", j.res.Alerts)
	}
	alerts, _ := j.report["alerts"].([]any)
	if len(alerts) != 1 {
		t.Errorf("report.json alerts %v, want the few_sources alert", alerts)
	}
	// The default floor of oversample is 1: copies of one file are what
	// random oversampling makes.
	j, err = runOversample(t, root, "default", `{}`, generators.Strategy{Mode: generators.ModeAuto})
	if err != nil || len(j.res.Alerts) != 0 {
		t.Errorf("default floor: %v, alerts %+v; want success without alerts", err, j.res.Alerts)
	}
}
