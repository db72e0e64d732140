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
// succeeds. The job gets a new River job (with jobs.max_attempts
// attempts), in the transaction that makes it queued again. Another state
// is a *ConflictError, an unknown job ErrNotFound.
func (e *Engine) Retry(ctx context.Context, id string) (*Job, error) {
	j, err := e.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State != StateFailed && j.State != StateCancelled {
		return nil, &ConflictError{Msg: fmt.Sprintf("job %s is %s; only a failed or cancelled job can be retried", id, j.State)}
	}
	// Its last attempt may still be winding down (the worker records the
	// job's end just before River records its own).
	if err := e.waitRiverJobStopped(ctx, j); err != nil {
		return nil, err
	}
	var rid int64
	err = e.inTx(ctx, func(t tx) error {
		var err error
		if rid, err = e.insertRiverJob(ctx, t, j, e.cfg.MaxAttempts); err != nil {
			return err
		}
		n, err := t.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, error = NULL, result = NULL, finished_at = NULL, cancel_requested = 0,
			storage_wait_since = NULL, storage_waits = 0, storage_wait_until = NULL, retry_count = retry_count + 1, updated_at = ?, river_id = ?
			WHERE id = ? AND state IN (?, ?)`,
			StateQueued, ms(e.cfg.Now()), rid, id, StateFailed, StateCancelled)
		if err != nil {
			return err
		}
		if n == 0 {
			return errRetried
		}
		return nil
	})
	if errors.Is(err, errRetried) {
		j, err := e.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return nil, &ConflictError{Msg: fmt.Sprintf("job %s is %s; only a failed or cancelled job can be retried", id, j.State)}
	}
	if err != nil {
		return nil, err
	}
	e.log.Info("job retried", "job", id, "was", j.State, "river_job", rid)
	e.notify(id)
	return e.Get(ctx, id)
}

// errRetried: another request retried the job first.
var errRetried = errors.New("retried meanwhile")

// waitRiverJobStopped waits, up to 10s, until River's job of an ended job
// no longer runs (or River no longer holds it).
func (e *Engine) waitRiverJobStopped(ctx context.Context, j *Job) error {
	if !j.riverID.Valid {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		row, err := e.river.JobGet(ctx, j.riverID.Int64)
		switch {
		case errors.Is(err, river.ErrNotFound):
			return nil
		case err != nil:
			return err
		case row.State != rivertype.JobStateRunning:
			return nil
		}
		select {
		case <-ctx.Done():
			return &ConflictError{Msg: fmt.Sprintf("job %s is %s, but its last attempt is still stopping; retry it in a few seconds", j.ID, j.State)}
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
