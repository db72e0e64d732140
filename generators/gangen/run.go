package gangen

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
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage"
)

// Extra files of a run.
const (
	GridKey      = generators.ReportDir + "/samples_grid.png"
	LossCurveKey = generators.ReportDir + "/loss_curve.png"
)

// codec turns generated samples into output files and pictures; each
// generator has its own.
type codec interface {
	// encode makes the output file of sample x (NHWC in [-1, 1]).
	encode(ctx context.Context, x []float32, class string, i int) (*generators.Sample, error)
	// picture draws a sample (real or generated) for the grid.
	picture(x []float32) (image.Image, error)
	// report adds the generator's own figures.
	report() map[string]any
}

// run is a prepared GAN generation: a trained or loaded model, the
// training data (for the memorization check and the grid) and a codec.
type run struct {
	env     *generators.Env
	gen     string
	tc      trainConfig
	model   *gan.Model
	modelID string
	source  string // "trained" or "loaded"
	saved   bool
	meta    *modelstore.Meta
	data    *trainSet
	bad     []badFile
	alerts  []generators.Alert // few_sources alerts allowed by allow_few_sources
	samp    *sampler
	mem     *memCheck
	codec   codec
	trained *trainOutcome // nil when loaded
	history []gan.StepStats
	started time.Time
	// augNote says how diffaugment "auto" was settled ("" when given).
	augNote string
}

var _ generators.Run = (*run)(nil)

func (r *run) init() {
	classes := r.meta.Classes
	r.samp = newSampler(r.model, r.env.Seed, classes)
	if r.tc.p.MemorizationN > 0 && r.data != nil && len(r.data.classes) > 0 {
		r.mem = newMemCheck(r.data, r.tc.p.MemorizationN)
	}
}

// Generate implements generators.Run.
func (r *run) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	x, err := r.samp.get(ctx, class, i)
	if err != nil {
		return nil, err
	}
	r.mem.observe(class, i, x)
	s, err := r.codec.encode(ctx, x, class, i)
	if err != nil {
		return nil, err
	}
	if s.Provenance == nil {
		s.Provenance = map[string]any{}
	}
	k := i / gan.SampleBatch
	s.Provenance["model"] = r.modelID
	s.Provenance["latent"] = map[string]any{
		"batch": k, "batch_seed": batchSeed(r.env.Seed, class, k), "batch_index": i % gan.SampleBatch,
		"rule": "sample i = element i mod 64 of gan.Model.Sample(class, 64, batch_seed) with batch = i / 64",
	}
	return s, nil
}

// Finish implements generators.Run: the sample grid, the loss curve and the
// report.
func (r *run) Finish(ctx context.Context) (*generators.Extras, error) {
	ex := &generators.Extras{Report: r.report()}
	if r.tc.p.GridPerClass > 0 {
		img, err := r.grid(ctx)
		if err != nil {
			return nil, fmt.Errorf("sample grid: %w", err)
		}
		if img != nil {
			b, err := encodePNG(img)
			if err != nil {
				return nil, err
			}
			ex.Files = append(ex.Files, generators.ExtraFile{Key: GridKey, Data: b, ContentType: "image/png"})
			ex.Report["sample_grid"] = GridKey
		}
	}
	if len(r.history) > 0 {
		img, err := gan.LossCurve(r.history, 640, 360)
		if err != nil {
			return nil, err
		}
		b, err := encodePNG(img)
		if err != nil {
			return nil, err
		}
		ex.Files = append(ex.Files, generators.ExtraFile{Key: LossCurveKey, Data: b, ContentType: "image/png"})
		ex.Report["loss_curve"] = LossCurveKey
	}
	if m := r.mem.report(); m != nil {
		ex.Report["memorization"] = m
	}
	return ex, nil
}

// grid draws the planned classes (all of the model's when none is
// planned), at most gridClasses: the first grid_per_class training samples
// in key order beside generated samples 0..grid_per_class-1 — the same as
// the output files.
func (r *run) grid(ctx context.Context) (*image.NRGBA, error) {
	var classes []string
	for _, c := range sortedKeys(r.env.Plan) {
		if r.env.Plan[c] > 0 {
			classes = append(classes, c)
		}
	}
	if len(classes) == 0 {
		classes = r.meta.Classes
	}
	classes = classes[:min(len(classes), gridClasses)]
	n := r.tc.p.GridPerClass
	cfg := r.model.Config()
	var rows []gridRow
	dataID := map[string]int{}
	if r.data != nil {
		for i, c := range r.data.classes {
			dataID[c] = i
		}
	}
	for _, c := range classes {
		row := gridRow{class: c}
		if id, ok := dataID[c]; ok {
			for _, j := range r.data.byClass[id][:min(n, len(r.data.byClass[id]))] {
				img, err := r.codec.picture(r.data.sample(j))
				if err != nil {
					return nil, err
				}
				row.real = append(row.real, img)
			}
		}
		for i := range n {
			x, err := r.samp.get(ctx, c, i)
			if err != nil {
				return nil, err
			}
			img, err := r.codec.picture(x)
			if err != nil {
				return nil, err
			}
			row.fake = append(row.fake, img)
		}
		rows = append(rows, row)
	}
	h, w := cfg.Height, cfg.Width
	if len(rows) > 0 && len(rows[0].fake) > 0 {
		b := rows[0].fake[0].Bounds()
		h, w = b.Dy(), b.Dx()
	}
	return drawGrid(rows, n, h, w)
}

func (r *run) report() map[string]any {
	cfg := r.model.Config()
	rep := map[string]any{
		"model": r.modelID, "model_source": r.source, "model_saved": r.saved,
		"classes": r.meta.Classes, "architecture": cfg, "hyperparameters": json.RawMessage(r.meta.Hyperparameters),
		"blas": gan.BLAS(), "tailsynth_version": tailsynthVersion(), "gorgonia_version": r.meta.GorgoniaVersion,
		"input": json.RawMessage(r.meta.Input), "sampling_forward_passes": r.samp.forwardPasses(),
	}
	if r.saved {
		rep["model_checkpoint"] = r.meta.Checkpoint // key relative to the model store
	}
	if r.data != nil {
		rep["training_samples"] = r.data.counts()
	}
	if len(r.bad) > 0 {
		rep["bad_files"] = r.bad
	}
	if len(r.alerts) > 0 {
		rep["alerts"] = r.alerts // the pipeline lists these in report.json's top-level "alerts"
	}
	t := r.meta.Training
	tr := map[string]any{"steps": t.Steps, "seconds": t.Seconds, "stop": t.Stop, "final": t.Final}
	if r.trained != nil {
		tr["resumed_from_step"] = r.trained.resumedFrom
		tr["checkpoints_written"] = r.trained.checkpoints
		tr["target_steps"] = r.tc.p.Steps
		tr["diffaugment"] = augmentString(r.tc.augment)
		if r.augNote != "" {
			tr["diffaugment_choice"] = r.augNote
		}
		if r.tc.budget > 0 {
			tr["time_budget_s"] = r.tc.budget.Seconds()
		}
		if t.Steps > 0 {
			tr["seconds_per_step"] = t.Seconds / float64(t.Steps)
		}
	}
	rep["training"] = tr
	for k, v := range r.codec.report() {
		rep[k] = v
	}
	return rep
}

// modelShape is what a model fixes about its samples.
type modelShape struct {
	model *gan.Model
	meta  *modelstore.Meta
}

// loadModel reads model id from the store and checks that it was made for
// samples of kind and knows every class of classes.
func loadModel(ctx context.Context, models func(context.Context) (storage.Store, error), gen, id, kind string, classes []string) (*modelShape, error) {
	st, err := openModels(ctx, models)
	if err != nil {
		return nil, err
	}
	b, meta, err := st.Load(ctx, id)
	if errors.Is(err, modelstore.ErrNotFound) {
		return nil, paramErr(gen, "model %q: no such model in the model store (GET /v1/models lists them)", id)
	}
	if err != nil {
		return nil, err
	}
	if meta.Kind != kind {
		return nil, paramErr(gen, "model %q makes %s samples (trained by %s); %s needs a %s model", id, meta.Kind, meta.Generator, gen, kind)
	}
	var missing []string
	for _, c := range classes {
		if !slices.Contains(meta.Classes, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf("model %s was trained on classes %s; the dataset's classes %s are not among them: use a model trained on this dataset, or train a new one (leave out \"model\")",
			id, strings.Join(meta.Classes, ", "), strings.Join(missing, ", "))}
	}
	m, gm, err := gan.LoadModel(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", id, err)
	}
	if !slices.Equal(gm.ClassNames, meta.Classes) {
		return nil, fmt.Errorf("model %s: the checkpoint's classes %v differ from model.json's %v", id, gm.ClassNames, meta.Classes)
	}
	return &modelShape{model: m, meta: meta}, nil
}

func openModels(ctx context.Context, models func(context.Context) (storage.Store, error)) (*modelstore.Store, error) {
	if models == nil {
		return nil, errors.New("no model store is configured for this generator (gangen.Register was given none)")
	}
	st, err := models(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening the model store: %w", err)
	}
	return modelstore.New(st), nil
}

// jobModelID returns the id of the model this job trains: chosen at random
// on the first attempt and kept in the job's scratch store, so that a
// retried job stores its model under the same id instead of a second copy.
func jobModelID(ctx context.Context, work storage.Store) (string, error) {
	rc, _, err := work.Get(ctx, modelIDKey)
	if err == nil {
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 64))
		if err != nil {
			return "", err
		}
		if id := strings.TrimSpace(string(b)); modelstore.ValidateID(id) == nil {
			return id, nil
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	id := modelstore.NewID()
	if _, err := work.Put(ctx, modelIDKey, strings.NewReader(id), int64(len(id)), storage.PutOptions{ContentType: "text/plain"}); err != nil {
		return "", err
	}
	return id, nil
}

// newMeta describes a model trained in this job.
func newMeta(env *generators.Env, gen, kind, id string, data *trainSet, hp gan.Hyper, m *gan.Model, o *trainOutcome, input any) (*modelstore.Meta, error) {
	arch, err := json.Marshal(m.Config())
	if err != nil {
		return nil, err
	}
	hyper, err := json.Marshal(hp)
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	params := json.RawMessage("{}")
	if t := bytes.TrimSpace(env.Params); len(t) > 0 && string(t) != "null" {
		params = json.RawMessage(t)
	}
	return &modelstore.Meta{
		ID: id, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), Generator: gen, Kind: kind,
		Classes: data.classes, TrainingCounts: data.counts(), DatasetFingerprint: env.Dataset.Fingerprint,
		Architecture: arch, Hyperparameters: hyper, Input: in, Params: params,
		Training:         summarize(o.tr.History(), o.stop),
		TailsynthVersion: tailsynthVersion(), GorgoniaVersion: gorgoniaVersion(), BLAS: gan.BLAS(),
		SourceJob: env.JobID,
	}, nil
}

// saveModel stores the model with meta in the model store.
func saveModel(ctx context.Context, models func(context.Context) (storage.Store, error), m *gan.Model, meta *modelstore.Meta) error {
	st, err := openModels(ctx, models)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := m.Save(&buf, gan.Meta{ID: meta.ID, ClassNames: meta.Classes, Version: meta.TailsynthVersion,
		Extra: map[string]string{"generator": meta.Generator, "kind": meta.Kind}}); err != nil {
		return err
	}
	return st.Put(ctx, meta, buf.Bytes())
}

// historyPoints is the most points a model's stored loss history keeps.
const historyPoints = 256

// summarize turns a training history into the model's Training record:
// total step time, the means of the last 50 steps, and the history
// downsampled to at most historyPoints means of consecutive steps.
func summarize(h []gan.StepStats, stop string) modelstore.Training {
	t := modelstore.Training{Steps: len(h), Stop: stop}
	if len(h) > 0 {
		t.Steps = h[len(h)-1].Step
	}
	for _, s := range h {
		t.Seconds += s.Seconds
	}
	mean := func(part []gan.StepStats) modelstore.Losses {
		var l modelstore.Losses
		for _, s := range part {
			l.CriticLoss += s.CriticLoss
			l.GenLoss += s.GenLoss
			l.Wasserstein += s.Wasserstein
			l.GradNorm += s.GradNorm
		}
		n := float64(max(1, len(part)))
		l.CriticLoss, l.GenLoss, l.Wasserstein, l.GradNorm = l.CriticLoss/n, l.GenLoss/n, l.Wasserstein/n, l.GradNorm/n
		return l
	}
	t.Final = mean(h[max(0, len(h)-50):])
	per := int(math.Ceil(float64(len(h)) / historyPoints))
	for i := 0; i < len(h); i += per {
		part := h[i:min(len(h), i+per)]
		t.History = append(t.History, modelstore.Point{Step: part[len(part)-1].Step, Losses: mean(part)})
	}
	return t
}

// historyOf turns a stored history back into step statistics for the loss
// curve.
func historyOf(t modelstore.Training) []gan.StepStats {
	var out []gan.StepStats
	for _, p := range t.History {
		out = append(out, gan.StepStats{Step: p.Step, CriticLoss: p.CriticLoss, GenLoss: p.GenLoss, Wasserstein: p.Wasserstein, GradNorm: p.GradNorm})
	}
	return out
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// tailsynthVersion is the main module's version and VCS revision.
func tailsynthVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}

// gorgoniaVersion is the version of gorgonia this binary links.
func gorgoniaVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "gorgonia.org/gorgonia" {
				return d.Version
			}
		}
	}
	return "unknown"
}
