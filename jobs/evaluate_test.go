package jobs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
)

// fakeEvaluator records its runs; a request {"block": true} runs until
// cancelled.
type fakeEvaluator struct {
	runs chan string
}

func (f *fakeEvaluator) RunEvaluation(ctx context.Context, id string, request json.RawMessage, progress func(generators.Progress)) (*pipeline.Result, error) {
	f.runs <- id
	var req struct {
		Block bool `json:"block"`
	}
	if err := json.Unmarshal(request, &req); err != nil {
		return nil, &generators.ParamError{Msg: err.Error()}
	}
	progress(generators.Progress{Stage: "measuring"})
	if req.Block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return &pipeline.Result{Output: "file:///out/" + id, Files: 3}, nil
}

func evalEngine(t *testing.T, ev jobs.Evaluator) *jobs.Engine {
	t.Helper()
	root := t.TempDir()
	p := &pipeline.Pipeline{Registry: generators.NewRegistry()}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: root, Pipeline: p, Evaluator: ev,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Heartbeat: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Stop(context.Background())
		eng.Close()
	})
	return eng
}

func TestEvaluationJobs(t *testing.T) {
	ev := &fakeEvaluator{runs: make(chan string, 10)}
	eng := evalEngine(t, ev)
	ctx := context.Background()
	spec := generators.Spec{Dataset: "file:///ds", Output: "file:///out", Seed: 1}

	j, created, err := eng.SubmitEvaluation(ctx, spec, json.RawMessage(`{"block":false}`), "k1")
	if err != nil || !created {
		t.Fatalf("SubmitEvaluation: %v, created %v", err, created)
	}
	if j.Kind != jobs.KindEvaluate || !strings.HasPrefix(j.ID, "eval_") || string(j.Evaluation) != `{"block":false}` {
		t.Errorf("job kind %q id %q evaluation %s, want an eval_ job of kind evaluate holding the request", j.Kind, j.ID, j.Evaluation)
	}
	j = waitState(t, eng, j.ID, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded || j.Result == nil || j.Result.Files != 3 || j.Output != "file:///out/"+j.ID {
		t.Errorf("finished job %+v, want succeeded with the evaluator's result", j)
	}
	if got := <-ev.runs; got != j.ID {
		t.Errorf("evaluator ran %q, want %q", got, j.ID)
	}
	again, created, err := eng.SubmitEvaluation(ctx, spec, json.RawMessage(`{"block":false}`), "k1")
	if err != nil || created || again.ID != j.ID {
		t.Errorf("repeated submit = %v %v %v, want the first evaluation", again.ID, created, err)
	}
	var conflict *jobs.ConflictError
	if _, _, err := eng.SubmitEvaluation(ctx, spec, json.RawMessage(`{"block":true}`), "k1"); !errors.As(err, &conflict) {
		t.Errorf("same key, another request: %v, want a conflict", err)
	}

	// A running evaluation is cancelled like any job.
	b, _, err := eng.SubmitEvaluation(ctx, spec, json.RawMessage(`{"block":true}`), "")
	if err != nil {
		t.Fatal(err)
	}
	<-ev.runs
	if _, err := eng.Cancel(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if b = waitState(t, eng, b.ID, jobs.StateCancelled, jobs.StateFailed); b.State != jobs.StateCancelled {
		t.Errorf("state %s, want cancelled", b.State)
	}
	list, _, err := eng.List(ctx, jobs.ListOptions{})
	if err != nil || len(list) != 2 || list[0].Kind != jobs.KindEvaluate {
		t.Errorf("list %d jobs (%v), want the 2 evaluations", len(list), err)
	}

	// The kind filter (GET /v1/jobs?kind=): a generation job among them.
	gen, _, err := eng.Submit(ctx, generators.Spec{Dataset: "file:///ds", Output: "file:///out", Generator: "oversample", Seed: 1}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string][]string{jobs.KindGenerate: {gen.ID}, jobs.KindEvaluate: {b.ID, j.ID}, "": {gen.ID, b.ID, j.ID}} {
		list, _, err := eng.List(ctx, jobs.ListOptions{Kind: kind})
		var ids []string
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		if err != nil || !slices.Equal(ids, want) {
			t.Errorf("kind %q: listed %v (%v), want %v", kind, ids, err, want)
		}
	}
}

func TestEvaluationWithoutEvaluator(t *testing.T) {
	eng := evalEngine(t, nil)
	var le *jobs.LimitError
	if _, _, err := eng.SubmitEvaluation(context.Background(), generators.Spec{}, json.RawMessage(`{}`), ""); !errors.As(err, &le) {
		t.Errorf("SubmitEvaluation without an evaluator: %v, want a *LimitError", err)
	}
}

// A database made before job kinds gains the columns; its jobs read as
// generation jobs.
func TestMigrateKinds(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "tailsynth.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`CREATE TABLE tailsynth_jobs (id TEXT PRIMARY KEY, idempotency_key TEXT UNIQUE, request_hash TEXT NOT NULL DEFAULT '',
		spec TEXT NOT NULL, generator TEXT NOT NULL, state TEXT NOT NULL, river_id BIGINT, schedule_id TEXT, progress TEXT, result TEXT,
		error TEXT, attempts INTEGER NOT NULL DEFAULT 0, worker TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,
		started_at BIGINT, finished_at BIGINT, heartbeat_at BIGINT, updated_at BIGINT NOT NULL)`)
	if err == nil {
		_, err = db.Exec(`INSERT INTO tailsynth_jobs (id, spec, generator, state, created_at, updated_at, finished_at) VALUES
			('job_old', '{"id":"job_old","dataset":"file:///d","generator":"oversample","strategy":"auto","seed":1,"output":"file:///o"}', 'oversample', 'succeeded', 1, 1, 1)`)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: dir, Pipeline: &pipeline.Pipeline{Registry: generators.NewRegistry()},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("opening a database without kinds: %v", err)
	}
	defer eng.Close()
	j, err := eng.Get(context.Background(), "job_old")
	if err != nil || j.Kind != jobs.KindGenerate || j.Evaluation != nil {
		t.Errorf("old job = %+v, %v; want kind generate", j, err)
	}
}

// heavyGen is a generator that declares itself heavy (as GAN training does).
type heavyGen struct{ generators.Oversample }

func (heavyGen) Info() generators.Info {
	i := generators.Oversample{}.Info()
	i.Name, i.Heavy = "heavy", true
	return i
}

// An evaluation of light methods does not wait behind one that runs a
// heavy method: the heavy queue runs one job at a time, the light queue
// takes the other.
func TestLightEvaluationNotBehindHeavy(t *testing.T) {
	ev := &fakeEvaluator{runs: make(chan string, 10)}
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	reg.Register(heavyGen{})
	eng, err := jobs.Open(context.Background(), jobs.Config{DataDir: t.TempDir(), Pipeline: &pipeline.Pipeline{Registry: reg}, Evaluator: ev,
		HeavyWorkers: 1, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Heartbeat: 50 * time.Millisecond, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Stop(context.Background())
		eng.Close()
	})
	ctx := context.Background()
	spec := generators.Spec{Dataset: "file:///ds", Output: "file:///out", Seed: 1}
	// Two heavy evaluations: the first blocks the heavy queue, the second
	// waits behind it.
	for range 2 {
		if _, _, err := eng.SubmitEvaluation(ctx, spec, json.RawMessage(`{"block":true,"methods":[{"generator":"oversample"},{"generator":"heavy"}]}`), ""); err != nil {
			t.Fatal(err)
		}
	}
	<-ev.runs
	light, _, err := eng.SubmitEvaluation(ctx, spec, json.RawMessage(`{"block":false,"methods":[{"generator":"oversample"}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := waitState(t, eng, light.ID, jobs.StateSucceeded, jobs.StateFailed); got.State != jobs.StateSucceeded {
		t.Fatalf("light evaluation %s, want succeeded while the heavy queue is busy", got.State)
	}
	list, _, err := eng.List(ctx, jobs.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, j := range list {
		if j.State == jobs.StateRunning {
			running++
		}
	}
	if running != 1 {
		t.Errorf("%d evaluations running, want 1: the second heavy one must wait on the heavy queue (heavy_workers 1)", running)
	}
	for _, j := range list {
		if !jobs.Terminal(j.State) {
			eng.Cancel(ctx, j.ID)
		}
	}
}
