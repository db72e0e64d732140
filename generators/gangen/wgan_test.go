package gangen_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

// TestWGANJobAndModelReuse trains through the pipeline, then samples the
// stored model in a second job: no training, and byte-identical samples
// for the same seed.
func TestWGANJobAndModelReuse(t *testing.T) {
	e := newEnv(t)
	imageDataset(t, e.root+"/ds", map[string]int{"common": 12, "rare": 3})
	writeFile(t, e.root+"/ds", "rare/broken.png", []byte("not a png"))
	add := generators.Strategy{Mode: generators.ModeAdd, Add: map[string]int{"rare": 70}} // 70: two sampling batches
	j := e.mustRun("train", gangen.WGANName, "ds", `{`+tinyParams+`,"image_size":"8x8"}`, add, 7)

	// Samples: 70 gray 8x8 PNGs with the model in their rows.
	files := j.data()
	if len(files) != 70 || len(j.rows) != 70 {
		t.Fatalf("%d files, %d metadata rows, want 70 each", len(files), len(j.rows))
	}
	for k, b := range files {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if _, ok := img.(*image.Gray); !ok || img.Bounds() != image.Rect(0, 0, 8, 8) {
			t.Fatalf("%s: %T %v, want an 8x8 *image.Gray", k, img, img.Bounds())
		}
	}
	models, err := e.modelStore().List(context.Background())
	if err != nil || len(models) != 1 {
		t.Fatalf("model store lists %d models (err %v), want 1", len(models), err)
	}
	m := models[0]
	for i, r := range j.rows {
		if r["model"] != m.ID || r["label"] != "rare" || r["index"] != float64(i) {
			t.Fatalf("row %d = %v, want model %s, label rare, index %d", i, r, m.ID, i)
		}
	}
	if got := j.rows[69]["latent"].(map[string]any)["batch"]; got != 1.0 {
		t.Errorf("sample 69: latent batch %v, want 1", got)
	}

	// The model: metadata and a checkpoint that loads.
	if m.Generator != gangen.WGANName || m.Kind != "image" || strings.Join(m.Classes, ",") != "common,rare" ||
		m.TrainingCounts["rare"] != 3 || m.TrainingCounts["common"] != 12 || m.Training.Steps != 4 || len(m.Training.History) != 4 {
		t.Errorf("model meta = %+v, want wgan-gp image model of common,rare (12, 3 images) after 4 steps", m)
	}
	if m.SourceJob != j.id {
		t.Errorf("model source_job %q, want the job that trained it, %q", m.SourceJob, j.id)
	}
	if m.GorgoniaVersion == "" || m.BLAS == "" || m.DatasetFingerprint == "" {
		t.Errorf("model meta lacks versions or fingerprint: %+v", m)
	}
	b, _, err := e.modelStore().Load(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	gm, gmeta, err := gan.LoadModel(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if c := gm.Config(); c.Height != 8 || c.Width != 8 || c.Channels != 1 || c.Classes != 2 || gmeta.ID != m.ID {
		t.Errorf("checkpoint config %+v (id %s), want 8x8x1, 2 classes, id %s", c, gmeta.ID, m.ID)
	}

	// Extras and report.
	for _, k := range []string{gangen.GridKey, gangen.LossCurveKey} {
		if _, err := png.Decode(bytes.NewReader(j.read(k))); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	tr := j.gen["training"].(map[string]any)
	if tr["steps"] != 4.0 || tr["checkpoints_written"] != 2.0 || j.gen["model_source"] != "trained" || j.gen["model_saved"] != true {
		t.Errorf("report training %v, source %v: want 4 steps, 2 checkpoints, trained and saved", tr, j.gen["model_source"])
	}
	// diffaugment's default, auto, turned DiffAugment on for a class of 3.
	if tr["diffaugment"] != "translation,cutout" || !strings.Contains(fmt.Sprint(tr["diffaugment_choice"]), `"rare", has 3 images`) {
		t.Errorf("report training diffaugment %v (%v), want translation,cutout chosen for rare's 3 images", tr["diffaugment"], tr["diffaugment_choice"])
	}
	bad, _ := j.gen["bad_files"].([]any)
	if len(bad) != 1 || !strings.Contains(bad[0].(map[string]any)["reason"].(string), "unsupported image format") {
		t.Errorf("bad_files = %v, want rare/broken.png as an unsupported image format", bad)
	}
	mem := j.gen["memorization"].(map[string]any)
	rare := mem["classes"].(map[string]any)["rare"].(map[string]any)
	if rare["checked"] != 8.0 || rare["reference"] != 3.0 || rare["median_ratio"] == nil {
		t.Errorf("memorization of rare = %v, want 8 samples checked against 3 images, with a ratio", rare)
	}
	if n := j.prog.stages()["training"]; n < 2 {
		t.Errorf("%d training progress reports, want at least the 2 checkpoints", n)
	}

	// Reuse: the stored model, same seed: the same bytes, no training.
	j2 := e.mustRun("reuse", gangen.WGANName, "ds", `{"model":"`+m.ID+`","grid_per_class":2}`, add, 7)
	if n := j2.prog.stages()["training"]; n != 0 {
		t.Errorf("reuse job reported %d training steps, want none", n)
	}
	if j2.gen["model_source"] != "loaded" || j2.gen["model"] != m.ID {
		t.Errorf("reuse report: source %v model %v, want loaded %s", j2.gen["model_source"], j2.gen["model"], m.ID)
	}
	files2 := j2.data()
	for k, b := range files {
		if !bytes.Equal(files2[k], b) {
			t.Fatalf("%s differs between the training job and the reuse job with the same seed", k)
		}
	}
	if models, _ := e.modelStore().List(context.Background()); len(models) != 1 {
		t.Errorf("after the reuse job the store has %d models, want still 1", len(models))
	}
	// Another seed gives other samples.
	j3 := e.mustRun("reseed", gangen.WGANName, "ds", `{"model":"`+m.ID+`","grid_per_class":0}`, add, 8)
	same := 0
	for k, b := range j3.data() {
		if bytes.Equal(files[k], b) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of 70 samples are identical with seeds 7 and 8, want none", same)
	}

	// A model that lacks a dataset class is refused with the classes named.
	imageDataset(t, e.root+"/ds2", map[string]int{"common": 2, "other": 2})
	_, err = e.run("wrong", gangen.WGANName, "ds2", `{"model":"`+m.ID+`"}`, generators.Strategy{Mode: "auto"}, 1)
	var de *datasets.DatasetError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "other") {
		t.Errorf("model without class other: err = %v, want a DatasetError naming it", err)
	}
	_, err = e.run("missing", gangen.WGANName, "ds", `{"model":"m_00000000000000ff"}`, add, 1)
	var pe *generators.ParamError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "no such model") {
		t.Errorf("unknown model: err = %v, want a ParamError saying there is no such model", err)
	}
}

// startEnv builds a generators.Env for calling Start directly on dataset
// ds with the given work store prefix.
func (e *env) startEnv(ds, work, params string, seed int64, plan map[string]int, progress func(string, map[string]any)) *generators.Env {
	e.t.Helper()
	ctx := context.Background()
	src, err := e.open(ctx, e.root+"/"+ds)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := datasets.Scan(ctx, src, datasets.ScanOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	w, err := e.open(ctx, e.root+"/"+work)
	if err != nil {
		e.t.Fatal(err)
	}
	return &generators.Env{Params: []byte(params), Seed: seed, Source: src, Dataset: d, Train: datasets.ByClass(d.TrainFiles()),
		Plan: plan, Work: w, Progress: progress}
}

// TestWGANResume stops a training job after its second checkpoint and
// starts it again: it resumes from that step, and the model it stores is
// bit for bit the one an uninterrupted run stores.
func TestWGANResume(t *testing.T) {
	e := newEnv(t)
	imageDataset(t, e.root+"/ds", map[string]int{"common": 6, "rare": 2})
	params := `{"steps":6,"checkpoint_every":2,"batch_size":4,"base":4,"z_dim":4,"n_critic":1,"image_size":8,"grid_per_class":0,"memorization_samples":0}`
	plan := map[string]int{"rare": 1}
	g := gangen.WGAN{Models: e.models}

	ctx, cancel := context.WithCancel(context.Background())
	var steps []float64
	env1 := e.startEnv("ds", "work1", params, 3, plan, func(stage string, f map[string]any) {
		if stage == "training" {
			steps = append(steps, toFloat(f["step"]))
			if f["checkpoint"] == 4 {
				cancel()
			}
		}
	})
	if _, err := g.Start(ctx, env1); !errors.Is(err, context.Canceled) {
		t.Fatalf("first Start: err = %v, want context.Canceled", err)
	}
	var resumed []any
	env2 := e.startEnv("ds", "work1", params, 3, plan, func(stage string, f map[string]any) {
		if stage == "training" {
			resumed = append(resumed, f["resumed_from"])
		}
	})
	r2, err := g.Start(context.Background(), env2)
	if err != nil {
		t.Fatal(err)
	}
	if len(resumed) == 0 || resumed[0] != 4 {
		t.Fatalf("second Start reported resumed_from %v, want 4 first (steps seen before the stop: %v)", resumed, steps)
	}
	env3 := e.startEnv("ds", "work3", params, 3, plan, nil)
	r3, err := g.Start(context.Background(), env3)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]generators.Run{"resumed": r2, "straight": r3} {
		if _, err := r.Finish(context.Background()); err != nil {
			t.Fatalf("%s Finish: %v", name, err)
		}
	}
	models, err := e.modelStore().List(context.Background())
	if err != nil || len(models) != 2 {
		t.Fatalf("store holds %d models (err %v), want 2", len(models), err)
	}
	var weights [][]byte
	for _, m := range models {
		if m.Training.Steps != 6 {
			t.Errorf("model %s trained %d steps, want 6", m.ID, m.Training.Steps)
		}
		b, _, err := e.modelStore().Load(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		gm, _, err := gan.LoadModel(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer // same Meta, so only weights can differ
		if err := gm.Save(&buf, gan.Meta{}); err != nil {
			t.Fatal(err)
		}
		weights = append(weights, buf.Bytes())
	}
	if !bytes.Equal(weights[0], weights[1]) {
		t.Error("the resumed model's weights differ from the uninterrupted run's")
	}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return -1
}

// TestGenerateConcurrentDeterministic asks for samples of a run in two
// different orders from several goroutines: the bytes of each (class, i)
// are the same.
func TestGenerateConcurrentDeterministic(t *testing.T) {
	e := newEnv(t)
	imageDataset(t, e.root+"/ds", map[string]int{"common": 4, "rare": 2})
	params := `{"steps":1,"batch_size":4,"base":4,"z_dim":4,"n_critic":1,"image_size":8,"save_model":false,"grid_per_class":0}`
	r, err := gangen.WGAN{Models: e.models}.Start(context.Background(), e.startEnv("ds", "w", params, 5, map[string]int{"rare": 1}, nil))
	if err != nil {
		t.Fatal(err)
	}
	idx := []int{0, 1, 63, 64, 65, 130, 200}
	gen := func(order []int) map[[2]any][]byte {
		out := map[[2]any][]byte{}
		type res struct {
			k [2]any
			b []byte
		}
		ch := make(chan res)
		for _, class := range []string{"rare", "common"} {
			for _, i := range order {
				go func() {
					s, err := r.Generate(context.Background(), class, i)
					if err != nil {
						t.Error(err)
						ch <- res{}
						return
					}
					ch <- res{[2]any{class, i}, s.Data}
				}()
			}
		}
		for range 2 * len(order) {
			x := <-ch
			out[x.k] = x.b
		}
		return out
	}
	a := gen(idx)
	rev := append([]int(nil), idx...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	b := gen(rev)
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			t.Errorf("sample %v differs between two generation orders", k)
		}
	}
	if bytes.Equal(a[[2]any{"rare", 0}], a[[2]any{"rare", 1}]) || bytes.Equal(a[[2]any{"rare", 0}], a[[2]any{"common", 0}]) {
		t.Error("different samples or classes gave identical bytes")
	}
	if _, err := r.Generate(context.Background(), "nope", 0); err == nil {
		t.Error("Generate of an unknown class succeeded")
	}
}

func TestWGANParamErrors(t *testing.T) {
	tests := []struct{ params, want string }{
		{`{"steps":-1}`, "steps -1"},
		{`{"steps":0}`, "never stop"},
		{`{"time_budget":"soon"}`, "time_budget"},
		{`{"image_size":"30x30"}`, "divisible by 4"},
		{`{"image_size":"2"}`, "sides 4..256"},
		{`{"image_size":"12x8","arch":"mlp"}`, ""},
		{`{"channels":2}`, "channels 2"},
		{`{"channels":"rgb"}`, "channels rgb"},
		{`{"lr":0}`, "lr 0"},
		{`{"beta1":1}`, "beta1 1"},
		{`{"arch":"resnet"}`, "arch"},
		{`{"gen_block":"pixelshuffle"}`, "gen_block \"pixelshuffle\": want deconv"},
		{`{"gen_block":"upsample"}`, ""},
		{`{"hidden":[]}`, "hidden"},
		{`{"diffaugment":"color,flip"}`, "diffaugment"},
		{`{"diffaugment":"color, translation,cutout"}`, ""},
		{`{"model":"m_1"}`, "model"},
		{`{"model":"m_00000000000000ff","image_size":28}`, "cannot be set with model"},
		{`{"n_critic":0}`, "n_critic 0"},
		{`{"bogus":1}`, "unknown parameter"},
		{`{"steps":"many"}`, `"steps"`},
		{`{"time_budget":"90s","steps":0}`, ""},
	}
	for _, tt := range tests {
		err := gangen.WGAN{}.Validate([]byte(tt.params))
		var pe *generators.ParamError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%s) = %v, want nil", tt.params, err)
		case tt.want != "" && (!errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%s) = %v, want a ParamError containing %q", tt.params, err, tt.want)
		}
	}
}

func TestInfo(t *testing.T) {
	reg := generators.NewRegistry()
	if err := gangen.Register(reg, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{gangen.WGANName, gangen.STFTName} {
		g, err := reg.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		info := g.Info()
		if !info.Heavy || len(info.Params) < 20 {
			t.Errorf("%s: heavy %v, %d params, want heavy and documented params", name, info.Heavy, len(info.Params))
		}
		if err := g.Validate(nil); err != nil {
			t.Errorf("%s: Validate(defaults) = %v", name, err)
		}
	}
}
