package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
)

// workerName identifies this process in job records.
var workerName = func() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}()

// GenerateArgs are a generation job's River arguments: its id (the
// request is in the job's record).
type GenerateArgs struct {
	JobID string `json:"job_id"`
}

// Kind implements river.JobArgs.
func (GenerateArgs) Kind() string { return "tailsynth_generate" }

// EvaluateArgs are an evaluation job's River arguments: its id (the
// request is in the job's record).
type EvaluateArgs struct {
	JobID string `json:"job_id"`
}

// Kind implements river.JobArgs.
func (EvaluateArgs) Kind() string { return "tailsynth_evaluate" }

// generateWorker runs generation jobs through Config.Pipeline.
type generateWorker struct {
	river.WorkerDefaults[GenerateArgs]
	e *Engine
}

func (w *generateWorker) Work(ctx context.Context, rj *river.Job[GenerateArgs]) error {
	return w.e.attempt(ctx, rj.JobRow, rj.Args.JobID, w.e.generate)
}

// evaluateWorker runs evaluation jobs through Config.Evaluator.
type evaluateWorker struct {
	river.WorkerDefaults[EvaluateArgs]
	e *Engine
}

func (w *evaluateWorker) Work(ctx context.Context, rj *river.Job[EvaluateArgs]) error {
	return w.e.attempt(ctx, rj.JobRow, rj.Args.JobID, w.e.evaluate)
}

// runFunc does one attempt's work of a job, reporting progress.
type runFunc func(ctx context.Context, j *Job, report func(generators.Progress)) (*pipeline.Result, error)

func (e *Engine) generate(ctx context.Context, j *Job, report func(generators.Progress)) (*pipeline.Result, error) {
	if j.Kind == KindEvaluate {
		// Queued as a generation job by a version before job kinds had
		// their own River arguments.
		return e.evaluate(ctx, j, report)
	}
	if j.checkPending {
		// Accepted while storage was down (SubmitUnchecked): check it now.
		if _, err := e.Check(ctx, j.Spec); err != nil {
			return nil, err
		}
		if _, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET check_pending = 0 WHERE id = ?`, j.ID); err != nil {
			return nil, err
		}
	}
	return e.cfg.Pipeline.Run(ctx, j.Spec, report)
}

func (e *Engine) evaluate(ctx context.Context, j *Job, report func(generators.Progress)) (*pipeline.Result, error) {
	if e.cfg.Evaluator == nil {
		return nil, &generators.ParamError{Msg: "evaluation job, but this server runs no evaluations (no evaluator configured)"}
	}
	return e.cfg.Evaluator.RunEvaluation(ctx, j.ID, j.Evaluation, report)
}

// errSuperseded stops an attempt whose River job no longer runs its job:
// the job was taken for dead (its heartbeats did not reach the database)
// and runs under a new River job (see rescue).
var errSuperseded = errors.New("another River job runs this job now")

// attempt runs one attempt of job id as River job rj. Every write it makes
// to the job's record is fenced by rj's id (river_id): once the job was
// rescued to a new River job, this attempt writes nothing more and stops.
func (e *Engine) attempt(ctx context.Context, rj *rivertype.JobRow, id string, run runFunc) error {
	j, err := e.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(fmt.Errorf("job %s is not recorded", id))
	}
	if err != nil {
		return err
	}
	if Terminal(j.State) || !j.riverID.Valid || j.riverID.Int64 != rj.ID {
		e.log.Info("River job no longer runs its job; nothing to do", "job", id, "river_job", rj.ID, "state", j.State)
		return nil
	}
	f := fence{id: j.ID, river: rj.ID}
	if j.Cancelling {
		if e.finish(context.WithoutCancel(ctx), f, StateCancelled, nil, errCancelled.Error()) {
			e.removeScratch(ctx, j)
		}
		return river.JobCancel(errCancelled)
	}
	now := ms(e.cfg.Now())
	n, err := e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET state = ?, attempts = attempts + 1, started_at = COALESCE(started_at, ?),
		heartbeat_at = ?, updated_at = ?, worker = ?`, StateRunning, now, now, now, workerName)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil // rescued or ended meanwhile
	}
	e.notify(j.ID)
	out := e.runHeartbeating(ctx, f, j, run)
	if errors.Is(out.cause, errSuperseded) {
		e.log.Warn("job was taken over by another River job; this attempt stops", "job", j.ID, "river_job", rj.ID)
		return nil
	}
	return e.endAttempt(context.WithoutCancel(ctx), f, rj, j, out)
}

// outcome is how an attempt's run ended.
type outcome struct {
	res *pipeline.Result
	err error
	// cause is why the run's context was cancelled, if it was.
	cause error
	// progressed: the attempt wrote (or found written) a sample, so
	// storage answered during it.
	progressed bool
}

// runHeartbeating runs j, recording its progress and liveness every
// Config.Heartbeat; it stops the run (cause errSuperseded) once the job's
// record no longer names f's River job.
func (e *Engine) runHeartbeating(ctx context.Context, f fence, j *Job, run runFunc) outcome {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	// latest is progress not yet written by a heartbeat; last is the last
	// progress reported, written once more when the run ends: a heartbeat
	// that took latest can race with the end of the run and fail on the
	// cancelled context, and the final progress must not be lost with it.
	var latest, last *generators.Progress
	var out outcome
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(e.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			p := latest
			latest = nil
			mu.Unlock()
			if lost := e.heartbeat(ctx, f, p); lost {
				cancel(errSuperseded)
				return
			}
		}
	}()
	report := func(p generators.Progress) {
		mu.Lock()
		latest, last = &p, &p
		for _, c := range p.Classes {
			out.progressed = out.progressed || c.Done > 0
		}
		mu.Unlock()
	}
	out.res, out.err = run(ctx, j, report)
	out.cause = context.Cause(ctx) // before cancel: nil unless something stopped the run
	cancel(nil)
	<-hbDone
	mu.Lock()
	defer mu.Unlock()
	if last != nil && !errors.Is(out.cause, errSuperseded) {
		e.heartbeat(context.WithoutCancel(ctx), f, last)
	}
	return out
}

// endAttempt records how an attempt ended and tells River what to do with
// its job: done, cancelled (no retry), snoozed (a wait for storage), or
// retried with backoff.
func (e *Engine) endAttempt(ctx context.Context, f fence, rj *rivertype.JobRow, j *Job, out outcome) error {
	attempts := j.Attempts + 1 // this one included
	runErr := out.err
	switch {
	case runErr == nil:
		if j.RetryCount > 0 {
			// Before the success is recorded: a succeeded job's output
			// never shows the marker of its earlier end.
			e.clearIncomplete(ctx, j)
		}
		if e.finish(ctx, f, StateSucceeded, out.res, "") {
			e.removeScratch(ctx, j)
		}
		return nil
	case errors.Is(out.cause, river.ErrJobCancelledRemotely) || errors.Is(runErr, errCancelled):
		if e.finish(ctx, f, StateCancelled, nil, errCancelled.Error()) {
			e.removeScratch(ctx, j) // before the mark: scratch alone is no partial output
			e.markIncomplete(ctx, j, StateCancelled, errCancelled.Error())
		}
		return river.JobCancel(errCancelled)
	case out.cause != nil && errors.Is(runErr, context.Canceled):
		// The service is stopping: leave the job to run again.
		e.setState(ctx, f, StateQueued, "interrupted by a shutdown; it runs again")
		return runErr
	case StorageUnavailable(runErr) && e.cfg.StorageRetryWindow > 0:
		return e.waitForStorage(ctx, f, j, runErr, out.progressed)
	case Permanent(runErr):
		if e.finish(ctx, f, StateFailed, nil, runErr.Error()) {
			e.markIncomplete(ctx, j, StateFailed, runErr.Error())
		}
		return river.JobCancel(runErr)
	case rj.Attempt >= rj.MaxAttempts:
		msg := fmt.Sprintf("failed after %d attempts: %v", attempts, runErr)
		if e.finish(ctx, f, StateFailed, nil, msg) {
			e.markIncomplete(ctx, j, StateFailed, msg)
		}
		return runErr
	default:
		e.endStorageWait(ctx, f)
		e.setState(ctx, f, StateRetrying, fmt.Sprintf("attempt %d of %d failed, retrying: %v", attempts, attempts+rj.MaxAttempts-rj.Attempt, runErr))
		return runErr
	}
}

// fence names a job and the River job that runs it: writes through it
// change the job's record only while the record still names that River
// job.
type fence struct {
	id    string
	river int64
}

// execFenced runs an UPDATE of tailsynth_jobs (given without its WHERE)
// on f's job while f's River job runs it, and returns the rows changed.
func (e *Engine) execFenced(ctx context.Context, f fence, update string, args ...any) (int64, error) {
	res, err := e.db.exec(ctx, update+` WHERE id = ? AND river_id = ?`, append(args, f.id, f.river)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Permanent reports errors that a retry cannot fix, by their kind (the
// kind that also sets the API's HTTP status; see errkind.Retryable): bad
// parameters, strategies, datasets, locations and keys, limits, things not
// found, refused access. A job fails at once on them.
func Permanent(err error) bool { return !errkind.Retryable(errkind.Of(err)) }

// heartbeat records progress and liveness, and reports whether the job's
// record no longer names f's River job (it was rescued to another).
func (e *Engine) heartbeat(ctx context.Context, f fence, p *generators.Progress) (lost bool) {
	now := ms(e.cfg.Now())
	var n int64
	var err error
	if p != nil {
		n, err = e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET heartbeat_at = ?, progress = ?, updated_at = ?`, now, jsonString(p), now)
		e.notify(f.id)
	} else {
		n, err = e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET heartbeat_at = ?`, now)
	}
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("job heartbeat", "job", f.id, "err", err)
		}
		return false
	}
	return n == 0
}

// finish records a job's end, and reports whether it did: false when the
// record no longer names f's River job.
func (e *Engine) finish(ctx context.Context, f fence, state string, res *pipeline.Result, errText string) bool {
	now := ms(e.cfg.Now())
	var result any
	if res != nil {
		result = jsonString(res)
	}
	n, err := e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET state = ?, result = ?, error = ?, finished_at = ?, updated_at = ?,
		storage_wait_since = NULL, storage_waits = 0, storage_wait_until = NULL`,
		state, result, nullIfEmpty(errText), now, now)
	if err != nil {
		e.log.Error("recording job end", "job", f.id, "state", state, "err", err)
		return false
	}
	if n == 0 {
		return false
	}
	e.log.Info("job ended", "job", f.id, "state", state, "error", errText)
	e.notify(f.id)
	return true
}

func (e *Engine) setState(ctx context.Context, f fence, state, errText string) {
	if _, err := e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET state = ?, error = ?, updated_at = ?`,
		state, nullIfEmpty(errText), ms(e.cfg.Now())); err != nil {
		e.log.Error("recording job state", "job", f.id, "state", state, "err", err)
	}
	e.notify(f.id)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
