package gangen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"sync"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// WGANName is the wgan-gp generator's name in jobs and in the registry.
const WGANName = "wgan-gp"

// headerProbes is how many image headers image_size "auto" reads.
const headerProbes = 256

// WGAN is the "wgan-gp" generator: a class-conditional WGAN-GP (package
// gan) trained on a job's images of every class, or loaded from the model
// store, and sampled for the classes the job's strategy asks for.
type WGAN struct {
	// Models opens the model store (a location every process shares).
	Models func(ctx context.Context) (storage.Store, error)
}

var _ generators.Generator = WGAN{}

// Info implements generators.Generator.
func (WGAN) Info() generators.Info {
	return generators.Info{
		Name: WGANName,
		Description: "class-conditional WGAN-GP (Gulrajani et al. 2017) trained on the dataset's images of every class, " +
			"then sampled for the requested classes; the model is stored (GET /v1/models) and can be reused with \"model\". " +
			"Runs on the heavy queue; a retried job resumes training from its last checkpoint",
		Kinds:  []string{"image"},
		Heavy:  true,
		Params: wganParamInfos(),
	}
}

// Validate implements generators.Generator.
func (WGAN) Validate(raw json.RawMessage) error {
	_, err := parseWGANParams(raw)
	return err
}

// Start implements generators.Generator: it loads and resizes the training
// images, then trains (resuming from the job's checkpoint) and stores the
// model, or loads the model named by "model".
func (g WGAN) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	cfg, err := parseWGANParams(env.Params)
	if err != nil {
		return nil, err
	}
	classes := sortedKeys(env.Train)
	r := &run{env: env, gen: WGANName, tc: cfg.trainConfig}
	w, h, ch := cfg.w, cfg.h, cfg.channels
	var loaded *modelShape
	if cfg.p.Model != "" {
		if loaded, err = loadModel(ctx, g.Models, WGANName, cfg.p.Model, "image", classes); err != nil {
			return nil, err
		}
		mc := loaded.model.Config()
		w, h, ch = mc.Width, mc.Height, mc.Channels
		if ch != 1 && ch != 3 {
			return nil, fmt.Errorf("model %s has %d channels; images need 1 or 3", cfg.p.Model, ch)
		}
	}
	cands, bad, err := candidates(env, classes, "image", cfg.perClass, cfg.maxFile)
	if err != nil {
		return nil, err
	}
	if w == 0 {
		progress(env, "choosing the image size", nil)
		if w, h, err = autoSize(ctx, env.Source, cands, headerProbes); err != nil {
			return nil, err
		}
	}
	px, bad2, err := decodeImages(ctx, env, cands, cfg.dec, w, h)
	if err != nil {
		return nil, err
	}
	r.bad = append(bad, bad2...)
	data, ch := assembleImages(cands, px, w, h, ch)
	r.data = data
	if len(r.bad) > 0 {
		logWarn(env, "wgan-gp: training files excluded (listed in report.json bad_files)", "count", len(r.bad), "first", r.bad[0].Key, "reason", r.bad[0].Reason)
	}
	c := &imageCodec{h: h, w: w, c: ch}
	r.codec = c
	input := imageInput{Kind: "image", Width: w, Height: h, Channels: ch,
		Resize:   "stretched to width x height with imaging.Linear",
		ValueMap: "v = p/255*2 - 1 for 8-bit level p (gray: ITU-R 601 luma)"}
	if loaded != nil {
		r.model, r.meta, r.modelID, r.source = loaded.model, loaded.meta, loaded.meta.ID, "loaded"
		r.history = historyOf(loaded.meta.Training)
		r.init()
		return r, nil
	}
	if r.alerts, err = needData(env, WGANName, cfg.p.SourceFloor, cands, r.bad, data); err != nil {
		return nil, err
	}
	r.augNote = r.tc.resolveAugment(data.counts(), true)
	gc := cfg.ganConfig(h, w, ch, len(data.classes), env.Seed)
	if err := gc.Validate(); err != nil {
		return nil, paramErr(WGANName, "%v", err)
	}
	if err := r.trainAndSave(ctx, g.Models, "image", gc, input); err != nil {
		return nil, err
	}
	return r, nil
}

// trainAndSave trains r's model on r.data and stores it (save_model).
func (r *run) trainAndSave(ctx context.Context, models func(context.Context) (storage.Store, error), kind string, gc gan.Config, input any) error {
	env := r.env
	hp := r.tc.hyper(env.Seed)
	id, err := jobModelID(ctx, env.Work)
	if err != nil {
		return err
	}
	if r.tc.p.SaveModel {
		if _, err := openModels(ctx, models); err != nil { // fail before hours of training, not after
			return err
		}
	}
	o, err := train(ctx, env, r.gen, r.tc, gc, hp, r.data)
	if err != nil {
		return err
	}
	// The stored model and the samples use the generator's moving average
	// (ema), the trainer checkpoint keeps both.
	r.trained, r.model, r.modelID, r.source = o, o.tr.SamplingModel(), id, "trained"
	r.history = o.tr.History()
	if r.meta, err = newMeta(env, r.gen, kind, id, r.data, hp, r.model, o, input); err != nil {
		return err
	}
	if r.tc.p.SaveModel {
		progress(env, "saving the model", map[string]any{"model": id})
		if err := saveModel(ctx, models, r.model, r.meta); err != nil {
			return err
		}
		r.saved = true
	}
	r.init()
	return nil
}

// needData checks that every class the plan asks for has training data,
// and applies the job's floor (generators.SourceFloor) to the usable files
// of each: its candidates read, less the bad ones (all of bad, so the
// files that failed to decode count too).
func needData(env *generators.Env, gen string, floor generators.SourceFloor, cands []candidate, bad []badFile, data *trainSet) ([]generators.Alert, error) {
	isBad := map[string]bool{}
	for _, b := range bad {
		isBad[b.Key] = true
	}
	usable := map[string]int{}
	for _, c := range cands {
		if !isBad[c.key] {
			usable[c.class]++
		}
	}
	have := map[string]bool{}
	for _, c := range data.classes {
		have[c] = true
	}
	for _, c := range sortedKeys(env.Plan) {
		if env.Plan[c] > 0 && (!have[c] || usable[c] == 0) {
			n := 0
			for _, b := range bad {
				if b.Class == c {
					n++
				}
			}
			return nil, &datasets.DatasetError{Msg: fmt.Sprintf("class %q: %d samples requested but none of its %d training files is usable (%d excluded, see the bad files in the job's log)",
				c, env.Plan[c], len(env.Train[c]), n)}
		}
	}
	if len(data.classes) == 0 {
		return nil, &datasets.DatasetError{Msg: "no usable training data to train a GAN on"}
	}
	return floor.Check(gen, env.Plan, usable)
}

// imageInput records how images became training samples (model.json's input).
type imageInput struct {
	Kind     string `json:"kind"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Channels int    `json:"channels"`
	Resize   string `json:"resize"`
	ValueMap string `json:"value_map"`
}

// imageCodec writes generated samples as 8-bit PNG (gray or RGB).
type imageCodec struct {
	h, w, c int
	pool    sync.Pool // *bytes.Buffer
}

func (c *imageCodec) encode(_ context.Context, x []float32, class string, i int) (*generators.Sample, error) {
	img, err := gan.SampleToImage(x, c.h, c.w, c.c)
	if err != nil {
		return nil, err
	}
	buf, _ := c.pool.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	defer c.pool.Put(buf)
	if err := png.Encode(buf, img); err != nil {
		return nil, err
	}
	mode := "gray"
	if c.c == 3 {
		mode = "rgb"
	}
	return &generators.Sample{Data: bytes.Clone(buf.Bytes()), Ext: ".png", ContentType: "image/png",
		Provenance: map[string]any{"image": map[string]any{"width": c.w, "height": c.h, "mode": mode}}}, nil
}

func (c *imageCodec) picture(x []float32) (image.Image, error) {
	return gan.SampleToImage(x, c.h, c.w, c.c)
}

func (c *imageCodec) report() map[string]any {
	return map[string]any{"image_size": fmt.Sprintf("%dx%d", c.w, c.h), "channels": c.c}
}
