package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/internal/testpg"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/s3store"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// flakyStore is a store whose every call fails with storage.ErrUnavailable
// while down is set, as the S3 store's calls do when the server does not
// answer.
type flakyStore struct {
	storage.Store
	down *atomic.Bool
}

func (s flakyStore) err(op, key string) error {
	return fmt.Errorf("%s %s: connection refused: %w", op, key, storage.ErrUnavailable)
}

func (s flakyStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.ObjectInfo, error) {
	if s.down.Load() {
		return storage.ObjectInfo{}, s.err("put", key)
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

func (s flakyStore) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	if s.down.Load() {
		return storage.ObjectInfo{}, s.err("stat", key)
	}
	return s.Store.Stat(ctx, key)
}

func (s flakyStore) List(ctx context.Context, prefix string, opts storage.ListOptions) iter.Seq2[storage.ObjectInfo, error] {
	if s.down.Load() {
		return func(yield func(storage.ObjectInfo, error) bool) { yield(storage.ObjectInfo{}, s.err("list", prefix)) }
	}
	return s.Store.List(ctx, prefix, opts)
}

func (s flakyStore) Delete(ctx context.Context, key string) error {
	if s.down.Load() {
		return s.err("delete", key)
	}
	return s.Store.Delete(ctx, key)
}

// outageEnv is an engine whose storage can be taken down (down) and
// brought back.
type outageEnv struct {
	*env
	down atomic.Bool
}

// setupOutage starts an engine that waits for storage for window, retrying
// at least every maxBackoff, with jobs.max_attempts 3 and 100ms between
// attempts: the old retry window (every attempt spent) is well under a
// second.
func setupOutage(t *testing.T, window, maxBackoff time.Duration) *outageEnv {
	return setupOutageDB(t, "", window, maxBackoff)
}

func setupOutageDB(t *testing.T, database string, window, maxBackoff time.Duration) *outageEnv {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 30, "small": 5})
	o := &outageEnv{env: &env{root: root, gen: &slowGen{started: make(chan string, 4)}}}
	o.eng = newEngineWith(t, root, o.gen, engineOptions{
		database: database,
		wrap:     func(s storage.Store) storage.Store { return flakyStore{Store: s, down: &o.down} },
		config: func(c *jobs.Config) {
			c.MaxAttempts = 3
			c.StorageRetryWindow = window
			c.StorageRetryMaxBackoff = maxBackoff
		},
	})
	if err := o.eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		o.eng.Stop(ctx)
		o.eng.Close()
	})
	return o
}

// waitJob polls job id until cond holds; a job that ends first fails the
// test with what it ended as.
func waitJob(t *testing.T, eng *jobs.Engine, id, what string, cond func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j, err := eng.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		if jobs.Terminal(j.State) {
			t.Fatalf("waiting for %s: job %s ended %s after %d attempts: %s", what, id, j.State, j.Attempts, j.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: job %s is still %s (%s)", what, id, j.State, j.Error)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// samplesOnDisk returns the sample files of a local job output by name.
func samplesOnDisk(t *testing.T, out string) map[string]os.FileInfo {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "data", "*", "*.png"))
	m := map[string]os.FileInfo{}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = fi
	}
	return m
}

// checkReused checks that every sample file in before is still the same
// file (a resumed run did not write it again) and that the output is
// complete: 25 samples, 25 metadata rows, _SUCCESS.
func checkReused(t *testing.T, out string, before map[string]os.FileInfo) {
	t.Helper()
	after := samplesOnDisk(t, out)
	if len(after) != 25 {
		t.Errorf("%d samples on disk, want 25", len(after))
	}
	for name, fi := range before {
		if a, ok := after[name]; !ok || !os.SameFile(fi, a) {
			t.Errorf("%s was written again; a resumed job should keep the samples it wrote before", filepath.Base(name))
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, "metadata.jsonl"))
	if n := strings.Count(string(b), "\n"); n != 25 {
		t.Errorf("%d metadata rows, want 25", n)
	}
	if _, err := os.Stat(filepath.Join(out, generators.SuccessKey)); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(out, generators.IncompleteKey)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a completed output still has %s (%v)", generators.IncompleteKey, err)
	}
}

// TestStorageOutageWaits takes storage away in the middle of a job for
// longer than its attempts last (3 attempts 100ms apart): the job waits for
// storage without spending them, continues when storage is back, and does
// not write again the samples it had written.
func TestStorageOutageWaits(t *testing.T) {
	o := setupOutage(t, time.Minute, 20*time.Millisecond)
	o.gen.hold, o.gen.holdFrom = make(chan struct{}), 5
	ctx := context.Background()
	j, _, err := o.eng.Submit(ctx, o.spec("slow"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(o.root, "out", j.ID)
	waitJob(t, o.eng, j.ID, "5 samples", func(*jobs.Job) bool { return len(samplesOnDisk(t, out)) >= 5 })
	o.down.Store(true)
	before := samplesOnDisk(t, out)
	close(o.gen.hold)
	// Down until the job has met the outage more often than it has
	// attempts; before this change the third failure failed it.
	j = waitJob(t, o.eng, j.ID, "more storage retries than attempts", func(j *jobs.Job) bool {
		return j.StorageWait != nil && j.StorageWait.Retries > 3
	})
	if j.State != jobs.StateRetrying || !strings.Contains(j.Error, "storage unavailable") || j.Attempts != 0 {
		t.Errorf("waiting for storage: state %s, %d attempts counted, error %q; want retrying, 0 attempts spent, the storage error", j.State, j.Attempts, j.Error)
	}
	if j.StorageWait.GivesUpAt.Sub(j.StorageWait.Since) != time.Minute {
		t.Errorf("storage wait since %v gives up at %v, want one minute (the window) later", j.StorageWait.Since, j.StorageWait.GivesUpAt)
	}
	o.down.Store(false)
	j = waitState(t, o.eng, j.ID, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded || j.Attempts != 1 || j.StorageWait != nil || j.Error != "" {
		t.Fatalf("after the outage: %s after %d attempts, storage wait %+v, error %q; want succeeded after 1, no wait, no error", j.State, j.Attempts, j.StorageWait, j.Error)
	}
	checkReused(t, out, before)
}

// TestStorageOutageOutlastsWindow: storage that stays away longer than
// jobs.storage_retry_window fails the job with an error that says how to
// go on; once storage is back, Retry continues it from the samples it
// wrote.
func TestStorageOutageOutlastsWindow(t *testing.T) { storageOutageOutlastsWindow(t, "") }

// TestStorageOutageOutlastsWindowPostgres is the same on a shared
// PostgreSQL queue.
func TestStorageOutageOutlastsWindowPostgres(t *testing.T) {
	storageOutageOutlastsWindow(t, testpg.NewDatabase(t))
}

func storageOutageOutlastsWindow(t *testing.T, database string) {
	o := setupOutageDB(t, database, 300*time.Millisecond, 20*time.Millisecond)
	o.gen.hold, o.gen.holdFrom = make(chan struct{}), 5
	ctx := context.Background()
	j, _, err := o.eng.Submit(ctx, o.spec("slow"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(o.root, "out", j.ID)
	waitJob(t, o.eng, j.ID, "5 samples", func(*jobs.Job) bool { return len(samplesOnDisk(t, out)) >= 5 })
	o.down.Store(true)
	before := samplesOnDisk(t, out)
	close(o.gen.hold)
	j = waitState(t, o.eng, j.ID, jobs.StateFailed, jobs.StateSucceeded)
	for _, want := range []string{"storage unavailable for", "jobs.storage_retry_window", "/v1/jobs/" + j.ID + "/retry"} {
		if j.State != jobs.StateFailed || !strings.Contains(j.Error, want) {
			t.Fatalf("state %s, error %q; want failed, naming %q", j.State, j.Error, want)
		}
	}
	if j.Attempts != 1 {
		t.Errorf("%d attempts counted, want 1 (waiting for storage spends none)", j.Attempts)
	}

	o.down.Store(false)
	j, err = o.eng.Retry(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != jobs.StateQueued || j.Error != "" || j.FinishedAt != nil || j.RetryCount != 1 {
		t.Errorf("retried job: state %s, error %q, finished %v, retry count %d; want queued, no error, not finished, 1", j.State, j.Error, j.FinishedAt, j.RetryCount)
	}
	j = waitState(t, o.eng, j.ID, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded {
		t.Fatalf("retried job %s: %s", j.State, j.Error)
	}
	checkReused(t, out, before)

	var ce *jobs.ConflictError
	if _, err := o.eng.Retry(ctx, j.ID); !errors.As(err, &ce) || !strings.Contains(err.Error(), "succeeded") {
		t.Errorf("retry of a succeeded job: %v, want a ConflictError naming its state", err)
	}
	if _, err := o.eng.Retry(ctx, "job_00000000000000000000"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("retry of an unknown job: %v, want ErrNotFound", err)
	}
}

// TestCancelledJobMarkedAndRetried: a job cancelled while running leaves
// its partial output marked with _INCOMPLETE; retried, it completes from
// the samples it had and the marker goes.
func TestCancelledJobMarkedAndRetried(t *testing.T) {
	e := setup(t)
	e.gen.hold, e.gen.holdFrom = make(chan struct{}), 3
	ctx := context.Background()
	j, _, err := e.eng.Submit(ctx, e.spec("slow"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(e.root, "out", j.ID)
	waitJob(t, e.eng, j.ID, "3 samples", func(*jobs.Job) bool { return len(samplesOnDisk(t, out)) >= 3 })
	if _, err := e.eng.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	j = waitState(t, e.eng, j.ID, jobs.StateCancelled, jobs.StateSucceeded)
	if j.State != jobs.StateCancelled {
		t.Fatalf("state %s, want cancelled", j.State)
	}
	close(e.gen.hold)
	before := samplesOnDisk(t, out)
	// The worker marks the output once the job's end is recorded.
	var b []byte
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err = os.ReadFile(filepath.Join(out, generators.IncompleteKey)); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if !strings.Contains(string(b), `"state":"cancelled"`) || !strings.Contains(string(b), "/retry") {
		t.Fatalf("%s of a cancelled job: %q; want its state and how to retry it", generators.IncompleteKey, b)
	}
	if _, err := e.eng.Retry(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	j = waitState(t, e.eng, j.ID, jobs.StateSucceeded, jobs.StateFailed, jobs.StateCancelled)
	if j.State != jobs.StateSucceeded || j.Cancelling {
		t.Fatalf("retried cancelled job: %s (cancel requested %v): %s", j.State, j.Cancelling, j.Error)
	}
	checkReused(t, out, before)
}

// TestSubmitUnchecked: a job accepted while storage was down is checked
// when it starts: it waits for storage, then runs, or fails with what was
// wrong with the request.
func TestSubmitUnchecked(t *testing.T) {
	o := setupOutage(t, time.Minute, 20*time.Millisecond)
	ctx := context.Background()
	o.down.Store(true)
	good, created, err := o.eng.SubmitUnchecked(ctx, o.spec("oversample"), "u-1")
	if err != nil || !created {
		t.Fatal(err, created)
	}
	again, created, err := o.eng.SubmitUnchecked(ctx, o.spec("oversample"), "u-1")
	if err != nil || created || again.ID != good.ID {
		t.Errorf("same key again: %v created=%v err=%v, want job %s", again, created, err, good.ID)
	}
	tooMany := o.spec("oversample")
	tooMany.Strategy = generators.Strategy{Mode: "add", Add: map[string]int{"small": 5000}}
	big, _, err := o.eng.SubmitUnchecked(ctx, tooMany, "")
	if err != nil {
		t.Fatal(err)
	}
	unknown := o.spec("oversample")
	unknown.Strategy = generators.Strategy{Mode: "counts", Counts: map[string]int{"unicorn": 3}}
	bad, _, err := o.eng.SubmitUnchecked(ctx, unknown, "")
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, o.eng, good.ID, "a storage wait", func(j *jobs.Job) bool { return j.StorageWait != nil })
	o.down.Store(false)
	if j := waitState(t, o.eng, good.ID, jobs.StateSucceeded, jobs.StateFailed); j.State != jobs.StateSucceeded || j.Result.Files != 25 {
		t.Errorf("job accepted while storage was down: %s, %s", j.State, j.Error)
	}
	for id, want := range map[string]string{big.ID: "jobs.max_samples", bad.ID: `class "unicorn"`} {
		if j := waitState(t, o.eng, id, jobs.StateSucceeded, jobs.StateFailed); j.State != jobs.StateFailed || !strings.Contains(j.Error, want) || j.Attempts != 1 {
			t.Errorf("bad request accepted while storage was down: %s after %d attempts, %q; want failed at once naming %q", j.State, j.Attempts, j.Error, want)
		}
	}
}

// TestStorageOutageS3 is the fault suite's "storage down for longer than
// the old retry window and back", on a real S3 server: versitygw is killed
// in the middle of a job writing to it and started again on the same port
// after the job has met the outage more often than it has attempts.
func TestStorageOutageS3(t *testing.T) {
	srv := storagetest.NewS3Server(t)
	bucket := srv.NewBucket(t)
	s3cfg := srv.Config()
	s3cfg.MaxRetries = 1 // fail each call at once, so that attempts go fast
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 30, "small": 5})
	gen := &slowGen{hold: make(chan struct{}), holdFrom: 3}
	eng := newEngineWith(t, root, gen, engineOptions{s3: &s3cfg, buckets: []string{bucket}, config: func(c *jobs.Config) {
		c.MaxAttempts = 3
		c.StorageRetryWindow = 2 * time.Minute
		c.StorageRetryMaxBackoff = 100 * time.Millisecond
	}})
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		eng.Stop(ctx)
		eng.Close()
	})
	ctx := context.Background()
	spec := generators.Spec{Dataset: root + "/ds", Generator: "slow", Strategy: generators.Strategy{Mode: "auto"}, Seed: 3, Output: "s3://" + bucket + "/out"}
	j, _, err := eng.Submit(ctx, spec, "", "")
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, eng, j.ID, "3 samples", func(j *jobs.Job) bool {
		return j.Progress != nil && j.Progress.Classes["small"].Done >= 3
	})
	srv.Stop(t)
	close(gen.hold)
	waitJob(t, eng, j.ID, "more storage retries than attempts", func(j *jobs.Job) bool {
		return j.StorageWait != nil && j.StorageWait.Retries > 3
	})
	srv.Start(t)
	j = waitState(t, eng, j.ID, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded || j.Attempts != 1 {
		t.Fatalf("after the outage: %s after %d attempts (%s), want succeeded after 1", j.State, j.Attempts, j.Error)
	}
	st, err := s3store.New(ctx, srv.Config(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for info, err := range st.List(ctx, "out/"+j.ID+"/data/", storage.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(info.Key, ".png") {
			t.Errorf("unexpected object %s", info.Key)
		}
		n++
	}
	if n != 25 {
		t.Errorf("%d samples in the bucket, want 25", n)
	}
	if _, err := st.Stat(ctx, "out/"+j.ID+"/"+generators.SuccessKey); err != nil {
		t.Error(err)
	}
}
