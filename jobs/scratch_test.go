package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// Issue 13, item 7: a job's scratch space (<output>/<id>/_work/, a GAN
// trainer's checkpoint) goes when the job ends succeeded or cancelled, and
// stays while the job may run again (retrying) and when it failed (a
// failed job can be retried and resumes from it).

// scratchGen writes a checkpoint to its scratch space when it starts, as
// gangen does, then fails (failures > 0), trains until cancelled (block),
// or generates copies.
type scratchGen struct {
	generators.Oversample
	failures atomic.Int32
	block    bool
}

const scratchKey = "gan/trainer.tsm"

func (g *scratchGen) Info() generators.Info {
	i := g.Oversample.Info()
	i.Name = "scratchy"
	return i
}

func (g *scratchGen) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	ckpt := strings.Repeat("w", 4096)
	if _, err := env.Work.Put(ctx, scratchKey, strings.NewReader(ckpt), int64(len(ckpt)), storage.PutOptions{}); err != nil {
		return nil, err
	}
	if g.failures.Add(-1) >= 0 {
		return nil, errors.New("transient failure")
	}
	if g.block {
		<-ctx.Done()
		// As gangen: the checkpoint is written again when training stops.
		if _, err := env.Work.Put(context.WithoutCancel(ctx), scratchKey, strings.NewReader(ckpt), int64(len(ckpt)), storage.PutOptions{}); err != nil {
			return nil, err
		}
		return nil, context.Cause(ctx)
	}
	return g.Oversample.Start(ctx, env)
}

func scratchEngine(t *testing.T, gen *scratchGen, maxAttempts int, backoff time.Duration) (*jobs.Engine, string) {
	t.Helper()
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 6, "small": 2})
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	reg.Register(gen)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &pipeline.Pipeline{Registry: reg, Log: log, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
	eng, err := jobs.Open(context.Background(), jobs.Config{
		DataDir: filepath.Join(root, "state"), Pipeline: p, Log: log, MaxSamples: 1000, MaxAttempts: maxAttempts,
		Heartbeat: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond,
		RetryBackoff: func(int) time.Duration { return backoff },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		eng.Stop(ctx)
		eng.Close()
	})
	return eng, root
}

func submitScratchy(t *testing.T, eng *jobs.Engine, root string) (*jobs.Job, string) {
	t.Helper()
	j, _, err := eng.Submit(context.Background(), generators.Spec{Dataset: root + "/ds", Generator: "scratchy",
		Strategy: generators.Strategy{Mode: "auto"}, Seed: 1, Output: root + "/out", Quality: generators.QualityOff}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return j, filepath.Join(root, "out", j.ID, generators.WorkDir, scratchKey)
}

func mustExist(t *testing.T, path, when string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s: the checkpoint is gone (%v), want it kept", when, err)
	}
}

// scratchGone waits a little for the scratch space to go: the job's end
// is recorded first.
func scratchGone(t *testing.T, path, when string) {
	t.Helper()
	work := filepath.Dir(filepath.Dir(path)) // <output>/<id>/_work
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := os.Stat(work)
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s is still there (%v), want the scratch space removed", when, work, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCancelRunningRemovesScratch(t *testing.T) {
	gen := &scratchGen{block: true}
	eng, root := scratchEngine(t, gen, 3, 100*time.Millisecond)
	j, ckpt := submitScratchy(t, eng, root)
	waitState(t, eng, j.ID, jobs.StateRunning)
	deadline := time.Now().Add(10 * time.Second)
	for _, err := os.Stat(ckpt); err != nil; _, err = os.Stat(ckpt) {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint written: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := eng.Cancel(context.Background(), j.ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, eng, j.ID, jobs.StateCancelled)
	scratchGone(t, ckpt, "cancelled while running")
}

func TestCancelRetryingRemovesScratch(t *testing.T) {
	gen := &scratchGen{}
	gen.failures.Store(1)
	eng, root := scratchEngine(t, gen, 3, time.Hour)
	j, ckpt := submitScratchy(t, eng, root)
	waitState(t, eng, j.ID, jobs.StateRetrying)
	mustExist(t, ckpt, "waiting to be retried")
	if _, err := eng.Cancel(context.Background(), j.ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, eng, j.ID, jobs.StateCancelled)
	scratchGone(t, ckpt, "cancelled while waiting to be retried")
}

func TestFailedKeepsScratchSucceededRemovesIt(t *testing.T) {
	gen := &scratchGen{}
	gen.failures.Store(2)
	eng, root := scratchEngine(t, gen, 2, 10*time.Millisecond)
	j, ckpt := submitScratchy(t, eng, root)
	if j = waitState(t, eng, j.ID, jobs.StateFailed, jobs.StateSucceeded); j.State != jobs.StateFailed {
		t.Fatalf("job %s, want failed", j.State)
	}
	mustExist(t, ckpt, "failed (it can be retried)")

	j, ckpt = submitScratchy(t, eng, root)
	if j = waitState(t, eng, j.ID, jobs.StateFailed, jobs.StateSucceeded); j.State != jobs.StateSucceeded {
		t.Fatalf("job %s (%s), want succeeded", j.State, j.Error)
	}
	scratchGone(t, ckpt, "succeeded")
}
