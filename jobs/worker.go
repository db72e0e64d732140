package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
)

// workerName identifies this process in job records.
var workerName = func() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}()

type worker struct {
	river.WorkerDefaults[Args]
	e *Engine
}

// Work runs one attempt of a job.
func (w *worker) Work(ctx context.Context, rj *river.Job[Args]) error {
	e := w.e
	j, err := e.Get(ctx, rj.Args.JobID)
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(fmt.Errorf("job %s is not recorded", rj.Args.JobID))
	}
	if err != nil {
		return err
	}
	if Terminal(j.State) {
		return nil
	}
	if j.Cancelling {
		e.finish(context.WithoutCancel(ctx), j.ID, StateCancelled, nil, errCancelled.Error())
		e.removeScratch(ctx, j)
		return river.JobCancel(errCancelled)
	}
	now := ms(e.cfg.Now())
	if _, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, attempts = attempts + 1, started_at = COALESCE(started_at, ?),
		heartbeat_at = ?, updated_at = ?, river_id = ?, worker = ? WHERE id = ?`, StateRunning, now, now, now, rj.ID, workerName, j.ID); err != nil {
		return err
	}
	e.notify(j.ID)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	// latest is progress not yet written by a heartbeat; last is the last
	// progress reported, written once more when the run ends: a heartbeat
	// that took latest can race with the end of the run and fail on the
	// cancelled context, and the final progress must not be lost with it.
	var latest, last *generators.Progress
	// progressed: this attempt wrote (or found written) a sample, so
	// storage answered during it.
	progressed := false
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
			if cancelled := e.heartbeat(ctx, j.ID, p); cancelled {
				cancel(errCancelled)
				return
			}
		}
	}()
	report := func(p generators.Progress) {
		mu.Lock()
		latest, last = &p, &p
		for _, c := range p.Classes {
			progressed = progressed || c.Done > 0
		}
		mu.Unlock()
	}
	var res *generators.Result
	var runErr error
	if j.checkPending {
		// Accepted while storage was down (SubmitUnchecked): check it now.
		if _, runErr = e.Check(ctx, j.Spec); runErr == nil {
			_, runErr = e.db.exec(ctx, `UPDATE tailsynth_jobs SET check_pending = 0 WHERE id = ?`, j.ID)
		}
	}
	switch {
	case runErr != nil:
	case j.Kind == KindEvaluate:
		if e.cfg.Evaluator == nil {
			runErr = &generators.ParamError{Msg: "evaluation job, but this server runs no evaluations (no evaluator configured)"}
			break
		}
		res, runErr = e.cfg.Evaluator.RunEvaluation(ctx, j.ID, j.Evaluation, report)
	default:
		res, runErr = e.cfg.Pipeline.Run(ctx, j.Spec, report)
	}
	cancel(nil)
	<-hbDone
	bg := context.WithoutCancel(ctx)
	mu.Lock()
	if last != nil {
		e.heartbeat(bg, j.ID, last)
	}
	mu.Unlock()
	switch {
	case runErr == nil:
		if j.RetryCount > 0 {
			// Before the success is recorded: a succeeded job's output
			// never shows the marker of its earlier end.
			e.clearIncomplete(bg, j)
		}
		e.finish(bg, j.ID, StateSucceeded, res, "")
		e.removeScratch(bg, j)
		return nil
	case errors.Is(context.Cause(ctx), errCancelled) || errors.Is(runErr, errCancelled):
		e.finish(bg, j.ID, StateCancelled, nil, errCancelled.Error())
		e.removeScratch(bg, j) // before the mark: scratch alone is no partial output
		e.markIncomplete(bg, j, StateCancelled, errCancelled.Error())
		return river.JobCancel(errCancelled)
	case ctx.Err() != nil && errors.Is(runErr, context.Canceled):
		// The service is stopping: leave the job to run again.
		e.setState(bg, j.ID, StateQueued, "interrupted by a shutdown; it runs again")
		return runErr
	case StorageUnavailable(runErr) && e.cfg.StorageRetryWindow > 0:
		return e.waitForStorage(bg, j, runErr, progressed)
	case Permanent(runErr):
		e.finish(bg, j.ID, StateFailed, nil, runErr.Error())
		e.markIncomplete(bg, j, StateFailed, runErr.Error())
		return river.JobCancel(runErr)
	case rj.Attempt >= rj.MaxAttempts:
		msg := fmt.Sprintf("failed after %d attempts: %v", rj.Attempt, runErr)
		e.finish(bg, j.ID, StateFailed, nil, msg)
		e.markIncomplete(bg, j, StateFailed, msg)
		return runErr
	default:
		e.endStorageWait(bg, j.ID)
		e.setState(bg, j.ID, StateRetrying, fmt.Sprintf("attempt %d of %d failed, retrying: %v", rj.Attempt, rj.MaxAttempts, runErr))
		return runErr
	}
}

// Permanent reports errors that a retry cannot fix, by their kind (the
// kind that also sets the API's HTTP status; see errkind.Retryable): bad
// parameters, strategies, datasets, locations and keys, limits, things not
// found, refused access. A job fails at once on them.
func Permanent(err error) bool { return !errkind.Retryable(errkind.Of(err)) }

// heartbeat records progress and liveness, and reports whether the job was
// asked to cancel.
func (e *Engine) heartbeat(ctx context.Context, id string, p *generators.Progress) bool {
	now := ms(e.cfg.Now())
	var err error
	if p != nil {
		_, err = e.db.exec(ctx, `UPDATE tailsynth_jobs SET heartbeat_at = ?, progress = ?, updated_at = ? WHERE id = ?`, now, jsonString(p), now, id)
		e.notify(id)
	} else {
		_, err = e.db.exec(ctx, `UPDATE tailsynth_jobs SET heartbeat_at = ? WHERE id = ?`, now, id)
	}
	if err != nil && ctx.Err() == nil {
		e.log.Warn("job heartbeat", "job", id, "err", err)
	}
	var c int
	if err := e.db.queryRow(ctx, `SELECT cancel_requested FROM tailsynth_jobs WHERE id = ?`, id).Scan(&c); err != nil {
		return false
	}
	return c != 0
}

func (e *Engine) finish(ctx context.Context, id, state string, res *generators.Result, errText string) {
	now := ms(e.cfg.Now())
	var result any
	if res != nil {
		result = jsonString(res)
	}
	if _, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, result = ?, error = ?, finished_at = ?, updated_at = ?,
		storage_wait_since = NULL, storage_waits = 0, storage_wait_until = NULL WHERE id = ?`,
		state, result, nullIfEmpty(errText), now, now, id); err != nil {
		e.log.Error("recording job end", "job", id, "state", state, "err", err)
	}
	e.log.Info("job ended", "job", id, "state", state, "error", errText)
	e.notify(id)
}

func (e *Engine) setState(ctx context.Context, id, state, errText string) {
	if _, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?`,
		state, nullIfEmpty(errText), ms(e.cfg.Now()), id); err != nil {
		e.log.Error("recording job state", "job", id, "state", state, "err", err)
	}
	e.notify(id)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
