package gangen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tailsynth/tailsynth/gan"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// Keys in the job's scratch store (env.Work).
const (
	checkpointKey = "gan/trainer.tsm" // resumable trainer checkpoint
	modelIDKey    = "gan/model_id"    // the model id chosen on the first attempt
)

// progressEvery is the least time between two training progress reports
// (checkpoint steps and the last step are always reported).
const progressEvery = time.Second

// trainSet is training data in memory: sample i is
// x[i*h*w*c : (i+1)*h*w*c] (NHWC, in [-1, 1]) of class labels[i].
type trainSet struct {
	classes []string // sorted; index = class id
	h, w, c int
	x       []float32
	labels  []int
	keys    []string // source file of each sample
	byClass [][]int  // sample indices per class id
}

func (d *trainSet) features() int { return d.h * d.w * d.c }

func (d *trainSet) sample(i int) []float32 {
	f := d.features()
	return d.x[i*f : (i+1)*f]
}

func (d *trainSet) counts() map[string]int {
	out := make(map[string]int, len(d.classes))
	for c, idx := range d.byClass {
		out[d.classes[c]] = len(idx)
	}
	return out
}

// trainOutcome is what training did in this attempt and before.
type trainOutcome struct {
	tr          *gan.Trainer
	resumedFrom int // step of the checkpoint resumed from (0: fresh)
	stop        string
	checkpoints int // checkpoints written in this attempt
}

// runKey fingerprints what a checkpoint belongs to: a checkpoint is
// resumed only by the same generator, parameters and dataset.
func runKey(gen string, params json.RawMessage, fingerprint string, seed int64) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d", gen, bytes.TrimSpace(params), fingerprint, seed)
	return hex.EncodeToString(h.Sum(nil))
}

// train trains a model on data, resuming from the checkpoint in env.Work
// when one of the same run exists, writing checkpoints every
// checkpoint_every steps and when training stops (also when ctx is
// cancelled), and reporting progress at most about once a second.
func train(ctx context.Context, env *generators.Env, gen string, tc trainConfig, cfg gan.Config, hp gan.Hyper, data *trainSet) (*trainOutcome, error) {
	key := runKey(gen, env.Params, env.Dataset.Fingerprint, env.Seed)
	out := &trainOutcome{}
	tr, err := resume(ctx, env, key)
	if err != nil {
		return nil, err
	}
	if tr != nil {
		out.resumedFrom = tr.Step()
	} else {
		m, err := gan.NewModel(cfg)
		if err != nil {
			return nil, paramErr(gen, "%v", err)
		}
		if tr, err = gan.NewTrainer(m, hp); err != nil {
			return nil, paramErr(gen, "%v", err)
		}
	}
	if err := tr.SetWorkers(tc.p.Threads); err != nil {
		return nil, paramErr(gen, "%v", err)
	}
	out.tr = tr
	ds, err := gan.NewSliceDataset(data.x, data.labels, data.features())
	if err != nil {
		return nil, err
	}
	spent := 0.0
	for _, s := range tr.History() {
		spent += s.Seconds
	}
	run := gan.RunOptions{}
	if tc.p.Steps > 0 {
		run.Steps = tc.p.Steps - tr.Step()
		if run.Steps <= 0 {
			out.stop = "resumed"
			return out, nil
		}
	}
	if tc.budget > 0 {
		run.TimeBudget = tc.budget - time.Duration(spent*float64(time.Second))
		if run.TimeBudget <= 0 {
			out.stop = "resumed"
			return out, nil
		}
	}
	save := func() error {
		var buf bytes.Buffer
		if err := tr.Save(&buf, gan.Meta{ID: "checkpoint", ClassNames: data.classes, Version: tailsynthVersion(),
			Extra: map[string]string{"run": key}}); err != nil {
			return err
		}
		// A checkpoint must not be lost to the job's own cancellation.
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, err := env.Work.Put(wctx, checkpointKey, &buf, int64(buf.Len()), storage.PutOptions{}); err != nil {
			return fmt.Errorf("writing checkpoint: %w", err)
		}
		out.checkpoints++
		return nil
	}
	var last time.Time
	saved := tr.Step()
	fields := func(s gan.StepStats) map[string]any {
		f := map[string]any{
			"step": s.Step, "steps": tc.p.Steps, "critic_loss": s.CriticLoss, "generator_loss": s.GenLoss,
			"wasserstein": s.Wasserstein, "grad_norm": s.GradNorm, "seconds": spent,
		}
		if out.resumedFrom > 0 {
			f["resumed_from"] = out.resumedFrom
		}
		if tc.budget > 0 {
			f["time_budget_s"] = tc.budget.Seconds()
		}
		return f
	}
	run.Progress = func(s gan.StepStats) error {
		spent += s.Seconds
		ckpt := tc.p.CheckpointEvery > 0 && s.Step%tc.p.CheckpointEvery == 0
		if ckpt {
			if err := save(); err != nil {
				return err
			}
			saved = s.Step
		}
		if ckpt || s.Step == tc.p.Steps || time.Since(last) >= progressEvery {
			last = time.Now()
			f := fields(s)
			if ckpt {
				f["checkpoint"] = s.Step
			}
			progress(env, "training", f)
		}
		return nil
	}
	if out.resumedFrom > 0 {
		progress(env, "training", map[string]any{"step": tr.Step(), "steps": tc.p.Steps, "resumed_from": out.resumedFrom, "seconds": spent})
		logInfo(env, "gan: resuming training from the job's checkpoint", "step", tr.Step())
	}
	res, err := tr.Train(ctx, ds, run)
	out.stop = string(res.Stop)
	if tr.Step() != saved {
		if serr := save(); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// resume loads the job's checkpoint when there is one of this run (same
// generator, parameters, dataset and seed). Anything else is left alone and
// training starts afresh; a checkpoint that cannot be read is reported in
// the log, not trusted.
func resume(ctx context.Context, env *generators.Env, key string) (*gan.Trainer, error) {
	rc, _, err := env.Work.Get(ctx, checkpointKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the job's checkpoint: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reading the job's checkpoint: %w", err)
	}
	tr, meta, err := gan.LoadTrainer(bytes.NewReader(b))
	if err != nil {
		logWarn(env, "gan: ignoring an unreadable checkpoint; training from scratch", "err", err)
		return nil, nil
	}
	if meta.Extra["run"] != key {
		logWarn(env, "gan: ignoring a checkpoint of other parameters or data; training from scratch")
		return nil, nil
	}
	return tr, nil
}

func progress(env *generators.Env, stage string, f map[string]any) {
	if env.Progress != nil {
		env.Progress(stage, f)
	}
}

func logInfo(env *generators.Env, msg string, args ...any) {
	if env.Log != nil {
		env.Log.Info(msg, args...)
	}
}

func logWarn(env *generators.Env, msg string, args ...any) {
	if env.Log != nil {
		env.Log.Warn(msg, args...)
	}
}
