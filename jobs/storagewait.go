package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// StorageUnavailable reports an error of kind errkind.Unavailable, such as
// storage.ErrUnavailable: storage that did not answer (an S3 endpoint down
// or unreachable), a fault of the moment, which a job waits out
// (Config.StorageRetryWindow) instead of spending its attempts. Such an
// error is never Permanent: a dataset that cannot be read while storage is
// down is not a bad dataset.
func StorageUnavailable(err error) bool { return errkind.Of(err) == errkind.Unavailable }

// storageBackoff is the wait before storage retry n (0-based): 1s, 2s,
// 4s... at most max.
func storageBackoff(n int, max time.Duration) time.Duration {
	return min(max, time.Second<<min(n, 30))
}

// waitForStorage ends an attempt that failed because storage did not
// answer. Within jobs.storage_retry_window of the first such failure (since
// the job last wrote a sample: progressed says this attempt did) the job
// goes back to River's queue with JobSnooze, which spends no attempt, and
// is tried again with capped exponential backoff. Past the window it fails,
// keeping its partial output for Retry.
func (e *Engine) waitForStorage(ctx context.Context, f fence, j *Job, cause error, progressed bool) error {
	now := e.cfg.Now()
	w := StorageWait{Since: now}
	if j.StorageWait != nil && !progressed {
		w = *j.StorageWait
	}
	w.GivesUpAt = w.Since.Add(e.cfg.StorageRetryWindow)
	if !now.Before(w.GivesUpAt) {
		msg := fmt.Sprintf("storage unavailable for %s, longer than jobs.storage_retry_window (%s): %v; "+
			"the output keeps the samples written so far: once storage is back, retry the job (POST /v1/jobs/%s/retry, or tailsynth jobs retry %s) and it continues from them",
			now.Sub(w.Since).Round(time.Millisecond), e.cfg.StorageRetryWindow, cause, j.ID, j.ID)
		n, err := e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET state = ?, error = ?, finished_at = ?, updated_at = ?,
			storage_wait_since = ?, storage_waits = ?, storage_wait_until = ?`,
			StateFailed, msg, ms(now), ms(now), ms(w.Since), w.Retries, ms(w.GivesUpAt))
		if err != nil {
			e.log.Error("recording job end", "job", j.ID, "state", StateFailed, "err", err)
		}
		if n == 1 {
			e.log.Info("job ended", "job", j.ID, "state", StateFailed, "error", msg)
			e.notify(j.ID)
			e.markIncomplete(ctx, j, StateFailed, msg)
		}
		return river.JobCancel(errors.New(msg))
	}
	// The last try falls at the end of the window.
	delay := min(storageBackoff(w.Retries, e.cfg.StorageRetryMaxBackoff), w.GivesUpAt.Sub(now))
	w.Retries++
	msg := fmt.Sprintf("storage unavailable, waiting for it: try %d in %s, gives up at %s (jobs.storage_retry_window %s): %v",
		w.Retries+1, delay.Round(time.Millisecond), w.GivesUpAt.UTC().Format(time.RFC3339), e.cfg.StorageRetryWindow, cause)
	// The attempt does not count: River's snooze does not count it either.
	if _, err := e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET state = ?, error = ?, attempts = attempts - 1, updated_at = ?,
		storage_wait_since = ?, storage_waits = ?, storage_wait_until = ?`,
		StateRetrying, msg, ms(now), ms(w.Since), w.Retries, ms(w.GivesUpAt)); err != nil {
		e.log.Error("recording job state", "job", j.ID, "state", StateRetrying, "err", err)
	}
	e.log.Warn("storage unavailable; the job waits for it", "job", j.ID, "retry", w.Retries, "in", delay, "since", w.Since, "gives_up_at", w.GivesUpAt, "err", cause)
	e.notify(j.ID)
	return river.JobSnooze(delay)
}

// endStorageWait forgets a job's wait for storage: its attempt ended
// otherwise, so storage answered or the job is over.
func (e *Engine) endStorageWait(ctx context.Context, f fence) {
	if _, err := e.execFenced(ctx, f, `UPDATE tailsynth_jobs SET storage_wait_since = NULL, storage_waits = 0, storage_wait_until = NULL`); err != nil {
		e.log.Error("recording job state", "job", f.id, "err", err)
	}
}

// markIncomplete writes generators.IncompleteKey into the output folder of
// a job that failed or was cancelled (call it once the state is recorded),
// when the folder holds anything: it says that the output is partial, why,
// and how to go on. A job no longer in that state (retried meanwhile) is
// not marked. It is best effort (storage may be what failed): the missing
// _SUCCESS marks the output incomplete in any case.
func (e *Engine) markIncomplete(ctx context.Context, j *Job, state, reason string) {
	if e.cfg.Pipeline == nil || e.cfg.Pipeline.Open == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := func() error {
		if cur, err := e.Get(ctx, j.ID); err != nil || cur.State != state {
			return err
		}
		root, err := e.cfg.Pipeline.Open(ctx, j.Spec.Output)
		if err != nil {
			return err
		}
		out := storage.Sub(root, j.ID)
		empty := true
		for _, err := range out.List(ctx, "", storage.ListOptions{}) {
			if err != nil {
				return err
			}
			empty = false
			break
		}
		if empty {
			return nil
		}
		body, _ := json.Marshal(map[string]string{
			"job": j.ID, "state": state, "reason": reason, "at": e.cfg.Now().UTC().Format(time.RFC3339),
			"note": fmt.Sprintf("this output is incomplete: the job ended %s before writing %s. The files here are kept so that a retry "+
				"(POST /v1/jobs/%s/retry, or tailsynth jobs retry %s) continues from them; it removes this file when it succeeds. "+
				"Delete the folder if you will not retry the job.", state, generators.SuccessKey, j.ID, j.ID),
		})
		_, err = out.Put(ctx, generators.IncompleteKey, bytes.NewReader(body), int64(len(body)), storage.PutOptions{ContentType: "application/json"})
		return err
	}()
	if err != nil {
		e.log.Warn("could not mark the job's partial output as incomplete; its missing "+generators.SuccessKey+" still says so",
			"job", j.ID, "marker", generators.IncompleteKey, "err", err)
	}
}

// clearIncomplete removes the marker of an earlier failure or cancellation
// from the output of a job that has now succeeded.
func (e *Engine) clearIncomplete(ctx context.Context, j *Job) {
	if e.cfg.Pipeline == nil || e.cfg.Pipeline.Open == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	root, err := e.cfg.Pipeline.Open(ctx, j.Spec.Output)
	if err == nil {
		err = storage.Sub(root, j.ID).Delete(ctx, generators.IncompleteKey)
	}
	if err != nil {
		e.log.Warn("could not remove the marker of the job's earlier end from its completed output", "job", j.ID, "marker", generators.IncompleteKey, "err", err)
	}
}
