// Package tabgen is the "tabular-gan" generator: the conditional tabular
// WGAN-GP of package tabgan (in the spirit of CTGAN, Xu et al. 2019) on a
// job's table. It is trained on every labelled row of the table, with the
// class as an exact condition: the class is an input of the generator, so
// a request for n rows of class c gives exactly n rows of class c, with no
// rejection loop. Missing numbers are imputed with their class's median
// before training (the report counts them); a missing category is a level
// of its own.
//
// Parameters (JSON, unknown ones refused): epochs [300, CTGAN's default]
// or steps (exact generator steps; replaces epochs), batch [500] and pac
// [10] (batch a multiple of pac), time_budget ["10m", per attempt:
// training stops there, with the steps done], checkpoint_every [0: every
// 30 s]. The job's seed seeds training and sampling. The trainer is
// checkpointed to the job's scratch space, and an attempt after a restart
// or a retry resumes from it, ending with the same model as an
// uninterrupted training. Not yet: stored models a later job could reuse.
package tabgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/tabgan"
	"github.com/tailsynth/tailsynth/tables"
)

// Name is the generator's registry name.
const Name = "tabular-gan"

// Params are the generator's parameters.
type Params struct {
	Epochs     int    `json:"epochs"`
	Steps      int    `json:"steps"`
	Batch      int    `json:"batch"`
	Pac        int    `json:"pac"`
	TimeBudget string `json:"time_budget"`
	// CheckpointEvery saves the trainer to the job's scratch space every
	// this many steps; 0 saves every 30 seconds of training.
	CheckpointEvery int `json:"checkpoint_every"`
}

// Limits of the parameters.
const (
	maxEpochs     = 100_000
	maxSteps      = 10_000_000
	maxBatch      = 100_000
	maxTimeBudget = 24 * time.Hour
)

// Generator is the tabular GAN.
type Generator struct{}

var _ generators.TableGenerator = Generator{}

func defaults() Params { return Params{Epochs: 300, Batch: 500, Pac: 10, TimeBudget: "10m"} }

// Info implements generators.Generator.
func (Generator) Info() generators.Info {
	d := defaults()
	return generators.Info{
		Name: Name,
		Description: "a class-conditional tabular WGAN-GP in the spirit of CTGAN (mode-specific normalisation, Gumbel-softmax categories, " +
			"training-by-sampling, PacGAN, gradient penalty) trained on the table's labelled rows; the class is an exact condition, so every " +
			"requested row has the requested label, with no rejection loop. Tables only (label_column)",
		Kinds: []string{"table"},
		Heavy: true,
		Params: []generators.ParamInfo{
			{Name: "epochs", Type: "integer", Default: d.Epochs, Description: "epochs of max(rows/batch, 1) generator steps (CTGAN's count)"},
			{Name: "steps", Type: "integer", Default: 0, Description: "exact generator steps; replaces epochs when set"},
			{Name: "batch", Type: "integer", Default: d.Batch, Description: "rows per step, a multiple of pac"},
			{Name: "pac", Type: "integer", Default: d.Pac, Description: "rows the critic judges together (PacGAN)"},
			{Name: "time_budget", Type: "string", Default: d.TimeBudget, Description: "training stops after this long (a Go duration, at most 24h), with the steps done; counted per attempt"},
			{Name: "checkpoint_every", Type: "integer", Default: 0, Description: "save the trainer every this many steps (0: every 30 s); a job that runs again (a restart, a retry) resumes from it and trains to the same model"},
		},
	}
}

type config struct {
	p      Params
	budget time.Duration
}

func parse(raw json.RawMessage) (config, error) {
	p := defaults()
	if err := generators.DecodeParams(Name, raw, &p); err != nil {
		return config{}, err
	}
	bad := func(format string, args ...any) (config, error) {
		return config{}, &generators.ParamError{Msg: fmt.Sprintf(Name+" params: "+format, args...)}
	}
	switch {
	case p.Epochs < 1 || p.Epochs > maxEpochs:
		return bad("epochs %d: want 1..%d", p.Epochs, maxEpochs)
	case p.Steps < 0 || p.Steps > maxSteps:
		return bad("steps %d: want 0 (use epochs) to %d", p.Steps, maxSteps)
	case p.Pac < 1 || p.Pac > 100:
		return bad("pac %d: want 1..100", p.Pac)
	case p.Batch < p.Pac || p.Batch > maxBatch || p.Batch%p.Pac != 0:
		return bad("batch %d: want a multiple of pac (%d), at most %d", p.Batch, p.Pac, maxBatch)
	case p.CheckpointEvery < 0 || p.CheckpointEvery > maxSteps:
		return bad("checkpoint_every %d: want 0 (every 30 s) to %d steps", p.CheckpointEvery, maxSteps)
	}
	d, err := time.ParseDuration(p.TimeBudget)
	if err != nil || d <= 0 || d > maxTimeBudget {
		return bad("time_budget %q: want a Go duration such as \"90s\" or \"20m\", > 0 and at most 24h", p.TimeBudget)
	}
	return config{p: p, budget: d}, nil
}

// Validate implements generators.Generator.
func (Generator) Validate(raw json.RawMessage) error {
	_, err := parse(raw)
	return err
}

// ValidateTable implements generators.TableGenerator.
func (g Generator) ValidateTable(raw json.RawMessage) error { return g.Validate(raw) }

// Start implements generators.Generator: the tabular GAN takes tables only.
func (Generator) Start(context.Context, *generators.Env) (generators.Run, error) {
	return nil, &generators.ParamError{Msg: Name + " works on tables: name the class column with label_column (a CSV or Parquet dataset)"}
}

// GenerateTable implements generators.TableGenerator.
func (Generator) GenerateTable(ctx context.Context, env *generators.TableEnv) (*generators.TableRows, error) {
	c, err := parse(env.Params)
	if err != nil {
		return nil, err
	}
	t, imputed := tables.ImputeClassMedians(env.Data.Table, env.Data.Y)
	cfg := tabgan.DefaultConfig()
	cfg.Epochs, cfg.Steps, cfg.Batch, cfg.Pac = c.p.Epochs, c.p.Steps, c.p.Batch, c.p.Pac
	cfg.Seed, cfg.TimeBudget = env.Seed, c.budget
	t0 := time.Now()
	tn, resumed := resume(ctx, env, t, cfg)
	if tn == nil {
		var err error
		if tn, err = tabgan.NewTrainer(t, env.Data.Y, len(env.Encoding.Classes), cfg); err != nil {
			return nil, &generators.ParamError{Msg: fmt.Sprintf("%s: %v", Name, err)}
		}
	}
	var last tabgan.Stats
	lastSave := time.Now()
	tn.SetRun(c.budget, func(s tabgan.Stats) error {
		last = s
		if env.Work != nil && ((c.p.CheckpointEvery > 0 && s.Step%c.p.CheckpointEvery == 0) || (c.p.CheckpointEvery == 0 && time.Since(lastSave) >= 30*time.Second)) {
			lastSave = time.Now()
			return checkpoint(ctx, env, tn)
		}
		return nil
	})
	if err := tn.Train(ctx, tn.TotalSteps()); err != nil {
		if ctx.Err() != nil {
			// Keep the latest steps for the next attempt.
			if env.Work != nil {
				_ = checkpoint(context.WithoutCancel(ctx), env, tn)
			}
			return nil, ctx.Err()
		}
		return nil, err
	}
	m := tn.Model()
	trained := time.Since(t0)
	out := &generators.TableRows{}
	for _, class := range env.Classes() {
		rows, err := m.Sample(ctx, class, env.Add[class], env.Seed+int64(class)+1)
		if err != nil {
			return nil, err
		}
		out.Data = out.Data.Append(rows)
		for i := range env.Add[class] {
			out.Y = append(out.Y, class)
			out.Provenance = append(out.Provenance, map[string]any{"model": Name, "sample": i, "steps": tn.Step()})
		}
	}
	out.Report = map[string]any{"method": "conditional tabular WGAN-GP (tabgan)", "steps": tn.Step(), "epochs": last.Epoch, "resumed_from_step": resumed,
		"train_seconds": trained.Seconds(), "time_budget": c.p.TimeBudget,
		"final": last, "imputed_numeric_cells": imputed}
	return out, nil
}

// checkpointKey is the trainer's checkpoint in the job's scratch space.
const checkpointKey = "tabular-gan/checkpoint.json"

// checkpoint saves the trainer to the job's scratch space.
func checkpoint(ctx context.Context, env *generators.TableEnv, tn *tabgan.Trainer) error {
	var buf bytes.Buffer
	if err := tn.Save(&buf); err != nil {
		return err
	}
	_, err := env.Work.Put(ctx, checkpointKey, &buf, int64(buf.Len()), storage.PutOptions{ContentType: "application/json"})
	return err
}

// resume loads the checkpoint an earlier attempt of the job left, if any
// and if it fits the table and the parameters; it returns nil (and logs
// why) otherwise, and the step it resumes from.
func resume(ctx context.Context, env *generators.TableEnv, t smote.Table, cfg tabgan.Config) (*tabgan.Trainer, int) {
	if env.Work == nil {
		return nil, 0
	}
	rc, _, err := env.Work.Get(ctx, checkpointKey)
	if err != nil {
		return nil, 0
	}
	defer rc.Close()
	tn, err := tabgan.LoadTrainer(rc, t, env.Data.Y)
	if err == nil {
		was := tn.Config()
		if was.Epochs != cfg.Epochs || was.Steps != cfg.Steps || was.Batch != cfg.Batch || was.Pac != cfg.Pac || was.Seed != cfg.Seed {
			err = fmt.Errorf("it was made with other parameters or another seed")
		}
	}
	if err != nil {
		if env.Log != nil {
			env.Log.Warn("tabular-gan: not resuming from the job's checkpoint; training from the start", "err", err)
		}
		return nil, 0
	}
	return tn, tn.Step()
}
