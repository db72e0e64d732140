package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tailsynth/tailsynth/generators"
)

// Retry runs a failed or cancelled job again, in the same output folder: it
// continues from the samples the job wrote before (sample i of a class is
// the same file however often it is made, and a sample already stored is
// not written again), and the marker of its earlier end goes when it
// succeeds. River's own job is made available again with JobRetry (the
// attempts it had left, and at least one); when River no longer holds it
// (its cleaner removes finished jobs after a day or a week) a new one is
// queued. Another state is a *ConflictError, an unknown job ErrNotFound.
func (e *Engine) Retry(ctx context.Context, id string) (*Job, error) {
	j, err := e.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State != StateFailed && j.State != StateCancelled {
		return nil, &ConflictError{Msg: fmt.Sprintf("job %s is %s; only a failed or cancelled job can be retried", id, j.State)}
	}
	row, err := e.finishedRiverJob(ctx, j)
	if err != nil {
		return nil, err
	}
	// Our row first: a worker that took River's job before it would find
	// the job finished and do nothing.
	keepRiver := 0
	if row != nil {
		keepRiver = 1
	}
	res, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, error = NULL, result = NULL, finished_at = NULL, cancel_requested = 0,
		storage_wait_since = NULL, storage_waits = 0, storage_wait_until = NULL, retry_count = retry_count + 1, updated_at = ?,
		river_id = CASE WHEN ? = 1 THEN river_id ELSE NULL END
		WHERE id = ? AND state IN (?, ?)`,
		StateQueued, ms(e.cfg.Now()), keepRiver, id, StateFailed, StateCancelled)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		j, err := e.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, &ConflictError{Msg: fmt.Sprintf("job %s is %s; only a failed or cancelled job can be retried", id, j.State)}
	}
	if row != nil {
		if _, err := e.river.JobRetry(ctx, row.ID); err != nil {
			// Let the maintenance loop queue it afresh.
			e.log.Warn("retry: River could not make the job available again; it is queued anew", "job", id, "river_job", row.ID, "err", err)
			if _, err := e.db.exec(ctx, `UPDATE tailsynth_jobs SET river_id = NULL WHERE id = ?`, id); err != nil {
				return nil, err
			}
		}
	} else if err := e.enqueue(ctx, id, e.queueOf(j.Kind, j.Spec.Generator, j.Evaluation)); err != nil {
		e.log.Warn("enqueue failed; will retry", "job", id, "err", err)
	}
	e.log.Info("job retried", "job", id, "was", j.State, "river_job", j.riverID.Int64)
	e.notify(id)
	return e.Get(ctx, id)
}

// finishedRiverJob returns River's row of a finished job, nil when River
// no longer holds it. The worker records the job's end just before River
// records its own, so River's row may still say running for a moment: it
// waits up to 10s for it.
func (e *Engine) finishedRiverJob(ctx context.Context, j *Job) (*rivertype.JobRow, error) {
	if !j.riverID.Valid {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		row, err := e.river.JobGet(ctx, j.riverID.Int64)
		switch {
		case errors.Is(err, river.ErrNotFound):
			return nil, nil
		case err != nil:
			return nil, err
		case row.State != rivertype.JobStateRunning:
			return row, nil
		}
		select {
		case <-ctx.Done():
			return nil, &ConflictError{Msg: fmt.Sprintf("job %s is %s, but its last attempt is still stopping; retry it in a few seconds", j.ID, j.State)}
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SubmitUnchecked records and queues a job when Check cannot run because
// storage does not answer (storage.ErrUnavailable). What needs no storage
// is checked now (the generator and its parameters, where the output
// goes); the rest of Check (the dataset, the strategy against its classes,
// jobs.max_samples) runs when the job starts, after waiting for storage as
// a running job does (Config.StorageRetryWindow), and a request it refuses
// fails the job at once. Idempotency keys work as in Submit.
func (e *Engine) SubmitUnchecked(ctx context.Context, spec generators.Spec, idempotencyKey string) (*Job, bool, error) {
	if err := e.checkWithoutStorage(ctx, spec); err != nil {
		return nil, false, err
	}
	return e.submit(ctx, KindGenerate, spec, nil, idempotencyKey, "", true)
}

// StorageRetryWindow is how long a job waits for storage that does not
// answer before it fails (jobs.storage_retry_window); negative when jobs
// do not wait.
func (e *Engine) StorageRetryWindow() time.Duration { return e.cfg.StorageRetryWindow }
