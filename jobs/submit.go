package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
)

// LimitError is a request above a configured limit; the API answers 422.
type LimitError struct{ Msg string }

func (e *LimitError) Error() string { return e.Msg }

// Kind is errkind.Unprocessable: the request goes past a limit of the
// server.
func (e *LimitError) Kind() errkind.Kind { return errkind.Unprocessable }

// Check validates a request against its generator and dataset without
// recording anything: the generator and its parameters, the dataset, the
// strategy against the dataset's classes, the sample limit, and where the
// output goes. It returns the plan.
func (e *Engine) Check(ctx context.Context, spec generators.Spec) (*pipeline.Prepared, error) {
	if err := e.checkWithoutStorage(ctx, spec); err != nil {
		return nil, err
	}
	if _, err := e.cfg.Pipeline.Open(ctx, spec.Output); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	return e.Plan(ctx, spec)
}

// Plan applies spec's strategy to its dataset without recording anything,
// and refuses the plans no job may run: more samples than jobs.max_samples
// (a *LimitError) or none at all (a *generators.StrategyError). POST
// /v1/plan answers with it, and Check calls it, so that a plan the
// server shows is one a job may run.
func (e *Engine) Plan(ctx context.Context, spec generators.Spec) (*pipeline.Prepared, error) {
	pr, err := e.cfg.Pipeline.PrepareShared(ctx, spec)
	if err != nil {
		return nil, err
	}
	if e.cfg.MaxSamples > 0 && pr.Total > e.cfg.MaxSamples {
		return nil, &LimitError{Msg: fmt.Sprintf("the strategy asks for %d samples, more than the %d one job may make (jobs.max_samples); ask for fewer, e.g. with {\"add\": {...}}", pr.Total, e.cfg.MaxSamples)}
	}
	if pr.Total == 0 {
		return nil, generators.NothingToAdd(pr.Before)
	}
	return pr, nil
}

// checkWithoutStorage is the part of Check that reads no storage: the
// spec (generators.Spec.Validate) and where the output goes.
func (e *Engine) checkWithoutStorage(ctx context.Context, spec generators.Spec) error {
	if _, err := spec.Validate(e.cfg.Pipeline.Registry); err != nil {
		return err
	}
	return e.checkNotInJobOutput(ctx, spec.Dataset, spec.Output)
}

// CheckOutput refuses an output location inside the dataset's (the
// output's folders would read as new classes), as Check does for jobs;
// see generators.CheckOutput.
func CheckOutput(dataset, output string) error { return generators.CheckOutput(dataset, output) }

// checkNotInJobOutput refuses an output, or a dataset, inside another
// job's output folder (<output>/<job id>/): a job writing there would mix
// its files into that job's result, and a dataset there changes while that
// job runs. A path segment shaped like a job id that names a recorded job
// marks such a folder; paths are looked at as named and as they resolve
// through symlinks.
func (e *Engine) checkNotInJobOutput(ctx context.Context, dataset, output string) error {
	for _, c := range []struct{ what, uri string }{{"output", output}, {"dataset", dataset}} {
		loc, err := storage.ParseLocation(c.uri)
		if err != nil {
			continue // reported by the location checks
		}
		for _, p := range []string{loc.Path, loc.Real().Path} {
			for _, seg := range strings.Split(p, "/") {
				if !validJobID(seg) {
					continue
				}
				var n int
				if err := e.db.queryRow(ctx, `SELECT COUNT(*) FROM tailsynth_jobs WHERE id = ?`, seg).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return &datasets.DatasetError{Msg: fmt.Sprintf("%s %s is inside the output folder of job %s (%s): jobs may not write into or read from another job's output; name a location outside it, e.g. the folder that holds it",
						c.what, c.uri, seg, p[:strings.Index(p, seg)+len(seg)])}
				}
			}
		}
	}
	return nil
}

// Submit records a job and queues it. With an idempotency key, a repeated
// submit of the same request returns the first job (created false); the same
// key with another request is a *ConflictError.
func (e *Engine) Submit(ctx context.Context, spec generators.Spec, idempotencyKey, scheduleID string) (*Job, bool, error) {
	return e.submit(ctx, KindGenerate, spec, nil, idempotencyKey, scheduleID, false)
}

// Evaluator runs evaluation jobs (kind "evaluate"); package evaluate's
// Runner is one. RunEvaluation must be resumable: a job interrupted by a
// restart runs it again with the same id and request.
type Evaluator interface {
	RunEvaluation(ctx context.Context, id string, request json.RawMessage, progress func(generators.Progress)) (*pipeline.Result, error)
}

// SubmitEvaluation records an evaluation job and queues it: on the heavy
// queue when one of its methods is a heavy generator (GAN training), else
// on the light queue (see queueOf). spec carries the
// dataset, output and first seed that listings show; request is what the
// Evaluator gets, validated by the caller. Idempotency works as in Submit.
func (e *Engine) SubmitEvaluation(ctx context.Context, spec generators.Spec, request json.RawMessage, idempotencyKey string) (*Job, bool, error) {
	if e.cfg.Evaluator == nil {
		return nil, false, &LimitError{Msg: "this server runs no evaluations (no evaluator configured)"}
	}
	if err := e.checkNotInJobOutput(ctx, spec.Dataset, spec.Output); err != nil {
		return nil, false, err
	}
	return e.submit(ctx, KindEvaluate, spec, request, idempotencyKey, "", false)
}

// submit records and queues a job; an unchecked one is checked when it
// starts (SubmitUnchecked).
func (e *Engine) submit(ctx context.Context, kind string, spec generators.Spec, request json.RawMessage, idempotencyKey, scheduleID string, unchecked bool) (*Job, bool, error) {
	hash := requestHash(kind, spec, request)
	if idempotencyKey != "" {
		if j, err := e.byIdempotencyKey(ctx, idempotencyKey, hash); j != nil || err != nil {
			return j, false, err
		}
	}
	prefix := "job_"
	if kind == KindEvaluate {
		prefix = "eval_"
	}
	spec.ID = newID(prefix)
	var req any
	if kind != KindGenerate {
		req = string(request)
	}
	now := ms(e.cfg.Now())
	pending := 0
	if unchecked {
		pending = 1
	}
	// The record and its River job commit together: no job is recorded
	// without being queued, or queued without its record.
	err := e.inTx(ctx, func(t tx) error {
		rid, err := e.insertRiverJob(ctx, t, &Job{ID: spec.ID, Kind: kind, Spec: spec, Evaluation: request}, e.cfg.MaxAttempts)
		if err != nil {
			return fmt.Errorf("queue job: %w", err)
		}
		_, err = t.exec(ctx, `INSERT INTO tailsynth_jobs (id, kind, kind_request, idempotency_key, request_hash, spec, generator, state, river_id, schedule_id, created_at, updated_at, check_pending)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			spec.ID, kind, req, nullIfEmpty(idempotencyKey), hash, jsonString(spec), spec.Generator, StateQueued, rid, nullIfEmpty(scheduleID), now, now, pending)
		if err != nil {
			return fmt.Errorf("record job: %w", err)
		}
		return nil
	})
	if err != nil {
		if idempotencyKey != "" { // lost a race with the same key
			if j, err2 := e.byIdempotencyKey(ctx, idempotencyKey, hash); j != nil || err2 != nil {
				return j, false, err2
			}
		}
		return nil, false, err
	}
	j, err := e.Get(ctx, spec.ID)
	return j, true, err
}

func (e *Engine) byIdempotencyKey(ctx context.Context, key, hash string) (*Job, error) {
	var id, h string
	err := e.db.queryRow(ctx, `SELECT id, request_hash FROM tailsynth_jobs WHERE idempotency_key = ?`, key).Scan(&id, &h)
	if err != nil {
		return nil, nil // not found (or retry the insert path)
	}
	if h != hash {
		return nil, &ConflictError{Msg: fmt.Sprintf("Idempotency-Key %q was used for another request (job %s); use a new key for a new request", key, id)}
	}
	return e.Get(ctx, id)
}

// queueOf picks a job's queue: the heavy queue for a heavy generator (GAN
// training) and for an evaluation that compares at least one heavy
// generator (or whose request cannot be read); the light queue otherwise,
// so that an evaluation of light methods never waits behind GAN training.
func (e *Engine) queueOf(kind, generator string, request json.RawMessage) string {
	heavy := func(name string) bool {
		g, err := e.cfg.Pipeline.Registry.Get(name)
		return err == nil && g.Info().Heavy
	}
	if kind != KindEvaluate {
		if heavy(generator) {
			return QueueHeavy
		}
		return QueueLight
	}
	var req struct {
		Methods []struct {
			Generator string `json:"generator"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(request, &req); err != nil || len(req.Methods) == 0 {
		return QueueHeavy
	}
	for _, m := range req.Methods {
		if heavy(m.Generator) {
			return QueueHeavy
		}
	}
	return QueueLight
}

// riverArgs are the River arguments of a job of kind: each kind has its
// own, worked by its own worker.
func riverArgs(kind, id string) river.JobArgs {
	if kind == KindEvaluate {
		return EvaluateArgs{JobID: id}
	}
	return GenerateArgs{JobID: id}
}

// insertRiverJob queues j in River, in t, on its queue (queueOf), and
// returns River's job id.
func (e *Engine) insertRiverJob(ctx context.Context, t tx, j *Job, maxAttempts int) (int64, error) {
	return t.insertJob(ctx, riverArgs(j.Kind, j.ID), &river.InsertOpts{
		Queue:       e.queueOf(j.Kind, j.Spec.Generator, j.Evaluation),
		MaxAttempts: maxAttempts,
	})
}

// FinishedError is a request that needs a job still queued or running
// (a cancel) about one that has ended; the API answers 409 naming State.
type FinishedError struct{ ID, State string }

func (e *FinishedError) Error() string {
	return fmt.Sprintf("job %s has already ended (state %s); there is nothing to cancel", e.ID, e.State)
}

// Kind is errkind.Conflict.
func (e *FinishedError) Kind() errkind.Kind { return errkind.Conflict }

// Cancel asks a job to stop, through River's JobCancel: a queued job is
// cancelled at once; a running one is told to stop (River cancels its
// context) and its worker records the end. A cancelled job's scratch space
// goes (see removeScratch). A job that has ended is not changed: the error
// is a *FinishedError.
func (e *Engine) Cancel(ctx context.Context, id string) (*Job, error) {
	j, err := e.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if Terminal(j.State) {
		return nil, &FinishedError{ID: id, State: j.State}
	}
	if _, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?`, ms(e.cfg.Now()), id); err != nil {
		return nil, err
	}
	ended, err := e.cancelRiverJob(ctx, j)
	if err != nil {
		return nil, err
	}
	if ended && j.StartedAt != nil {
		// An earlier attempt may have left scratch (a checkpoint) and
		// samples. Off the request's path; Stop waits for it. The scratch
		// goes first, so that a folder that held only scratch is not
		// marked incomplete.
		e.marks.Go(func() {
			bg := context.WithoutCancel(ctx)
			e.removeScratch(bg, j)
			e.markIncomplete(bg, j, StateCancelled, errCancelled.Error())
		})
	}
	e.notify(id)
	return e.Get(ctx, id)
}

// cancelRiverJob cancels j's River job, and records j's end when no worker
// will: River's job was not running (or is gone). A running job's worker
// is told to stop and records the end itself. A River job still running
// when j's record says queued or retrying is an attempt starting (its
// worker sees the request) or ending (River cancels its job once the
// attempt returns): it waits, up to 10s, for River to settle it.
func (e *Engine) cancelRiverJob(ctx context.Context, j *Job) (ended bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		stopped := true
		if j.riverID.Valid {
			row, err := e.river.JobCancel(ctx, j.riverID.Int64)
			switch {
			case errors.Is(err, river.ErrNotFound):
			case err != nil:
				return false, err
			default:
				stopped = row.State == rivertype.JobStateCancelled
			}
		}
		if stopped {
			now := ms(e.cfg.Now())
			res, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, error = ?, finished_at = ?, updated_at = ?
				WHERE id = ? AND state IN (?, ?) AND river_id IS NOT DISTINCT FROM ?`,
				StateCancelled, errCancelled.Error(), now, now, j.ID, StateQueued, StateRetrying, j.riverID)
			if err != nil {
				return false, err
			}
			n, _ := res.RowsAffected()
			return n == 1, nil
		}
		cur, err := e.Get(ctx, j.ID)
		if err != nil {
			return false, err
		}
		if Terminal(cur.State) || cur.State == StateRunning || cur.riverID != j.riverID {
			return false, nil // its worker records the end
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("job %s: its River job did not settle: %w", j.ID, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
