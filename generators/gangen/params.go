package gangen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
)

// TrainParams are the WGAN-GP parameters both generators take. See the
// package documentation for the table of defaults and accepted values.
type TrainParams struct {
	Steps           int     `json:"steps"`
	TimeBudget      string  `json:"time_budget"`
	BatchSize       int     `json:"batch_size"`
	LR              float64 `json:"lr"`
	Beta1           float64 `json:"beta1"`
	Beta2           float64 `json:"beta2"`
	EMA             float64 `json:"ema"`
	NCritic         int     `json:"n_critic"`
	Lambda          float64 `json:"lambda"`
	ZDim            int     `json:"z_dim"`
	Arch            string  `json:"arch"`
	Base            int     `json:"base"`
	GenBlock        string  `json:"gen_block"`
	Hidden          []int   `json:"hidden"`
	DiffAugment     string  `json:"diffaugment"`
	Balanced        bool    `json:"balanced"`
	CheckpointEvery int     `json:"checkpoint_every"`
	Model           string  `json:"model"`
	SaveModel       bool    `json:"save_model"`
	MemorizationN   int     `json:"memorization_samples"`
	GridPerClass    int     `json:"grid_per_class"`
	// Threads is the number of batch shards trained at once (gan's
	// Trainer.SetWorkers); 0: one per CPU the process may use.
	Threads int `json:"threads"`
	// SourceFloor is min_sources (default 2: a GAN trained on one file of
	// a class can only copy it) and allow_few_sources; it applies when a
	// job trains, not when it samples a stored model.
	generators.SourceFloor
}

// DefaultTrainParams returns the defaults: Gulrajani et al. 2017's
// hyperparameters (batch 64, Adam 1e-4, β₁ 0, β₂ 0.9, n_critic 5, λ 10),
// z 128, the conv architecture of width 64, 2000 generator steps,
// DiffAugment chosen by class size (AugmentAuto), class-balanced batches, a checkpoint every 200 steps, the
// model saved, 256 samples per class checked for memorization, 8 per class
// in the grid, at least 2 usable training files per class that gets
// samples.
func DefaultTrainParams() TrainParams {
	return TrainParams{
		Steps: 2000, BatchSize: 64, LR: 1e-4, Beta1: 0, Beta2: 0.9, EMA: 0.999, NCritic: 5, Lambda: 10, ZDim: 128,
		Arch: "conv", Base: 64, GenBlock: string(gan.GenDeconv), Hidden: []int{256, 256}, DiffAugment: AugmentAuto, Balanced: true, CheckpointEvery: 200,
		SaveModel: true, MemorizationN: 256, GridPerClass: 8, SourceFloor: generators.SourceFloor{MinSources: 2},
	}
}

// Limits of the training parameters.
const (
	maxSteps        = 10_000_000
	maxTimeBudget   = 7 * 24 * time.Hour
	maxBatch        = 1024
	maxZDim         = 1024
	maxBase         = 512
	maxHidden       = 8192
	maxMemorization = 100_000
	maxGridPerClass = 32
	maxThreads      = 256
)

// trainConfig is TrainParams checked and resolved.
type trainConfig struct {
	p       TrainParams
	budget  time.Duration
	augment gan.Augment
	// autoAugment: diffaugment "auto", resolved by resolveAugment once the
	// training classes' sizes are known.
	autoAugment bool
	given       map[string]bool // parameters present in the job's JSON
}

func paramErr(gen, format string, args ...any) error {
	return &generators.ParamError{Msg: gen + " params: " + fmt.Sprintf(format, args...)}
}

func intIn(gen, name string, got, lo, hi int) error {
	if got < lo || got > hi {
		return paramErr(gen, "%s %d: want %d..%d", name, got, lo, hi)
	}
	return nil
}

// floatIn checks lo <= got <= hi (openLo/openHi exclude the ends).
func floatIn(gen, name string, got, lo, hi float64, openLo, openHi bool) error {
	ok := !math.IsNaN(got) && (got > lo || (!openLo && got == lo)) && (got < hi || (!openHi && got == hi))
	if ok {
		return nil
	}
	lb, rb := "[", "]"
	if openLo {
		lb = "("
	}
	if openHi {
		rb = ")"
	}
	return paramErr(gen, "%s %v: want a number in %s%v, %v%s", name, got, lb, lo, hi, rb)
}

// givenKeys lists the top-level keys of a JSON object (nil for no params).
func givenKeys(raw json.RawMessage) map[string]bool {
	out := map[string]bool{}
	var m map[string]json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) > 0 && json.Unmarshal(t, &m) == nil {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// resolve checks the training parameters. gen names the generator.
func (p TrainParams) resolve(gen string, raw json.RawMessage) (trainConfig, error) {
	c := trainConfig{p: p, given: givenKeys(raw)}
	if p.Model != "" {
		if err := modelstore.ValidateID(p.Model); err != nil {
			return c, paramErr(gen, "model: %v (the id of a model listed by GET /v1/models)", err)
		}
	}
	if err := intIn(gen, "steps", p.Steps, 0, maxSteps); err != nil {
		return c, err
	}
	if p.TimeBudget != "" {
		d, err := time.ParseDuration(p.TimeBudget)
		if err != nil || d <= 0 || d > maxTimeBudget {
			return c, paramErr(gen, "time_budget %q: want a Go duration such as \"90s\", \"20m\" or \"2h\", > 0 and at most %v", p.TimeBudget, maxTimeBudget)
		}
		c.budget = d
	}
	if err := p.SourceFloor.Validate(gen, 1); err != nil {
		return c, err
	}
	if p.Steps == 0 && c.budget == 0 && p.Model == "" {
		return c, paramErr(gen, "steps 0 and no time_budget: training would never stop; set steps > 0 or a time_budget")
	}
	for _, r := range []struct {
		name      string
		v, lo, hi int
	}{
		{"batch_size", p.BatchSize, 1, maxBatch},
		{"n_critic", p.NCritic, 1, 100},
		{"z_dim", p.ZDim, 1, maxZDim},
		{"base", p.Base, 1, maxBase},
		{"checkpoint_every", p.CheckpointEvery, 0, maxSteps},
		{"memorization_samples", p.MemorizationN, 0, maxMemorization},
		{"grid_per_class", p.GridPerClass, 0, maxGridPerClass},
		{"threads", p.Threads, 0, min(maxThreads, p.BatchSize)},
	} {
		if err := intIn(gen, r.name, r.v, r.lo, r.hi); err != nil {
			return c, err
		}
	}
	if err := floatIn(gen, "lr", p.LR, 0, 1, true, true); err != nil {
		return c, err
	}
	if err := floatIn(gen, "beta1", p.Beta1, 0, 1, false, true); err != nil {
		return c, err
	}
	if err := floatIn(gen, "beta2", p.Beta2, 0, 1, false, true); err != nil {
		return c, err
	}
	if err := floatIn(gen, "ema", p.EMA, 0, 1, false, true); err != nil {
		return c, err
	}
	if err := floatIn(gen, "lambda", p.Lambda, 0, 1e6, false, false); err != nil {
		return c, err
	}
	switch p.Arch {
	case string(gan.ArchConv), string(gan.ArchMLP):
	default:
		return c, paramErr(gen, "arch %q: want conv (images, spectrograms) or mlp (small inputs)", p.Arch)
	}
	switch p.GenBlock {
	case string(gan.GenDeconv), string(gan.GenUpsample):
	default:
		return c, paramErr(gen, "gen_block %q: want deconv (4x4 transposed convolutions) or upsample (nearest 2x upsampling + 3x3 convolution)", p.GenBlock)
	}
	if len(p.Hidden) < 1 || len(p.Hidden) > 8 {
		return c, paramErr(gen, "hidden %v: want 1 to 8 layer widths (mlp)", p.Hidden)
	}
	for _, h := range p.Hidden {
		if h < 1 || h > maxHidden {
			return c, paramErr(gen, "hidden %v: want widths 1..%d", p.Hidden, maxHidden)
		}
	}
	var err error
	if strings.EqualFold(strings.TrimSpace(p.DiffAugment), AugmentAuto) {
		c.autoAugment = true
	} else if c.augment, err = parseAugment(p.DiffAugment); err != nil {
		return c, paramErr(gen, "%v", err)
	}
	return c, nil
}

// AugmentAuto is diffaugment's default: DiffAugment's translation and
// cutout for images when the smallest training class has fewer than
// AutoAugmentBelow images, off otherwise and for spectrograms (a vertical
// shift moves a spectrogram's frequencies, which is not label-preserving).
const AugmentAuto = "auto"

// AutoAugmentBelow is the class size under which diffaugment "auto" turns
// DiffAugment on. Zhao et al. 2020 report their largest gains with 100 to
// a few hundred images per class (and still some at 10% of CIFAR-10,
// 500 a class); below 100 a conditional critic sees each image of the
// class many times per epoch of the balanced batches and memorises it.
const AutoAugmentBelow = 100

// resolveAugment settles diffaugment "auto" for training classes of the
// given sizes; images says whether samples are images (else spectrograms).
// It returns the note the report shows, "" when diffaugment was given.
func (c *trainConfig) resolveAugment(counts map[string]int, images bool) string {
	if !c.autoAugment {
		return ""
	}
	c.autoAugment = false
	if !images {
		return "diffaugment auto: off (spectrograms: a vertical shift changes frequencies)"
	}
	small, n := "", 0
	for _, k := range sortedKeys(counts) {
		if small == "" || counts[k] < n {
			small, n = k, counts[k]
		}
	}
	if small == "" || n >= AutoAugmentBelow {
		return fmt.Sprintf("diffaugment auto: off (the smallest class, %q, has %d images, at least %d)", small, n, AutoAugmentBelow)
	}
	c.augment = gan.Augment{Translation: true, Cutout: true}
	return fmt.Sprintf("diffaugment auto: translation,cutout (the smallest class, %q, has %d images, fewer than %d)", small, n, AutoAugmentBelow)
}

// parseAugment reads "" (off) or a comma list of color, translation, cutout.
func parseAugment(s string) (gan.Augment, error) {
	var a gan.Augment
	if strings.TrimSpace(s) == "" {
		return a, nil
	}
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "color":
			a.Color = true
		case "translation":
			a.Translation = true
		case "cutout":
			a.Cutout = true
		default:
			return a, fmt.Errorf("diffaugment %q: want \"\" (off) or a comma-separated list of color, translation, cutout", s)
		}
	}
	return a, nil
}

// augmentString is the canonical form of a for reports.
func augmentString(a gan.Augment) string {
	var parts []string
	for _, p := range []struct {
		on   bool
		name string
	}{{a.Color, "color"}, {a.Translation, "translation"}, {a.Cutout, "cutout"}} {
		if p.on {
			parts = append(parts, p.name)
		}
	}
	return strings.Join(parts, ",")
}

// ganConfig builds the model configuration for h x w x ch samples of
// classes classes; seed is the job seed.
func (c trainConfig) ganConfig(h, w, ch, classes int, seed int64) gan.Config {
	cfg := gan.DefaultConfig(h, w, ch, classes)
	cfg.Arch = gan.Arch(c.p.Arch)
	cfg.ZDim = c.p.ZDim
	cfg.Base = c.p.Base
	cfg.GenBlock = gan.GenBlock(c.p.GenBlock)
	cfg.Hidden = slices.Clone(c.p.Hidden)
	cfg.Seed = deriveSeed(seed, "init")
	return cfg
}

// hyper builds the training hyperparameters.
func (c trainConfig) hyper(seed int64) gan.Hyper {
	hp := gan.DefaultHyper()
	hp.BatchSize, hp.NCritic, hp.Lambda = c.p.BatchSize, c.p.NCritic, c.p.Lambda
	hp.LR, hp.Beta1, hp.Beta2, hp.EMA = c.p.LR, c.p.Beta1, c.p.Beta2, c.p.EMA
	hp.Balanced, hp.Augment = c.p.Balanced, c.augment
	hp.Seed = deriveSeed(seed, "train")
	return hp
}

// trainParamInfos documents TrainParams for Info.
func trainParamInfos() []generators.ParamInfo {
	d := DefaultTrainParams()
	return append([]generators.ParamInfo{
		{Name: "steps", Type: "integer", Default: d.Steps, Description: "generator updates to train (each after n_critic critic updates); 0: until time_budget"},
		{Name: "time_budget", Type: "string", Description: `wall time for training, summed over retries: a Go duration such as "20m" or "2h"; training stops at steps or time_budget, whichever comes first`},
		{Name: "batch_size", Type: "integer", Default: d.BatchSize, Description: "samples per critic and generator batch, 1..1024"},
		{Name: "lr", Type: "number", Default: d.LR, Description: "Adam step size for both networks, (0, 1)"},
		{Name: "beta1", Type: "number", Default: d.Beta1, Description: "Adam β₁, [0, 1) (Gulrajani et al. 2017: 0; their code: 0.5)"},
		{Name: "beta2", Type: "number", Default: d.Beta2, Description: "Adam β₂, [0, 1)"},
		{Name: "ema", Type: "number", Default: d.EMA, Description: "decay of the moving average of the generator's weights that samples are drawn from (Yazıcı et al. 2019), [0, 1); 0: sample the last weights"},
		{Name: "n_critic", Type: "integer", Default: d.NCritic, Description: "critic updates per generator update, 1..100"},
		{Name: "lambda", Type: "number", Default: d.Lambda, Description: "gradient penalty weight λ, >= 0"},
		{Name: "z_dim", Type: "integer", Default: d.ZDim, Description: "latent size, 1..1024"},
		{Name: "arch", Type: "string", Default: d.Arch, Description: "conv (strided convolutions; sides divisible by 4) or mlp (small inputs)"},
		{Name: "gen_block", Type: "string", Default: d.GenBlock, Description: "conv generator upsampling: deconv (4x4 stride-2 transposed convolution) or upsample (nearest 2x upsampling + 3x3 convolution, no checkerboard pattern)"},
		{Name: "base", Type: "integer", Default: d.Base, Description: "conv width: channels of the critic's first layer (doubling per stage, at most 8x); cost grows with its square"},
		{Name: "hidden", Type: "array", Default: d.Hidden, Description: "mlp hidden layer widths of the critic; the generator mirrors them"},
		{Name: "diffaugment", Type: "string", Default: d.DiffAugment, Description: `DiffAugment (Zhao et al. 2020) on reals and fakes: "" (off), a comma list of color, translation, cutout, or auto: translation,cutout for images when the smallest training class has fewer than 100 images, else off (always off for stftsynth)`},
		{Name: "balanced", Type: "boolean", Default: d.Balanced, Description: "draw each batch's classes uniformly, so a 1% class is seen as often as the majority (false: draw samples uniformly)"},
		{Name: "checkpoint_every", Type: "integer", Default: d.CheckpointEvery, Description: "write a resumable checkpoint to the job's scratch space every this many steps (0: only when training stops); a retried job resumes from it"},
		{Name: "model", Type: "string", Description: "id of a stored model (GET /v1/models): skip training and sample from it; the dataset's classes must be among the model's"},
		{Name: "save_model", Type: "boolean", Default: d.SaveModel, Description: "store the trained model in the model store (GET /v1/models)"},
		{Name: "memorization_samples", Type: "integer", Default: d.MemorizationN, Description: "generated samples per class compared with every training sample of the class (nearest-neighbour L2) in the report; 0: off"},
		{Name: "grid_per_class", Type: "integer", Default: d.GridPerClass, Description: "real and generated samples per class in the sample grid; 0: no grid"},
		{Name: "threads", Type: "integer", Default: d.Threads, Description: "batch shards trained at once, one per core (data parallelism: the same result up to float rounding); 0: one per CPU, at most one per 8 batch rows; at most batch_size"},
	}, generators.SourceFloorParams(d.MinSources, "a GAN trained on one file of a class can only copy it; checked when training, not when sampling a stored model")...)
}
