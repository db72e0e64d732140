package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// SubmitUnchecked queues the job as the engine does: not checked, no
// plan.
func (f *oasJobs) SubmitUnchecked(_ context.Context, spec generators.Spec, _ string) (*jobs.Job, bool, error) {
	g, err := f.pipeline.Registry.Get(spec.Generator)
	if err != nil {
		return nil, false, err
	}
	if err := g.Validate(spec.Params); err != nil {
		return nil, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	spec.ID = fmt.Sprintf("job_unchecked_%d", len(f.jobs))
	j := &jobs.Job{ID: spec.ID, Kind: jobs.KindGenerate, State: jobs.StateQueued, Spec: spec, Output: spec.Output + "/" + spec.ID, CreatedAt: now, UpdatedAt: now}
	f.jobs[j.ID] = j
	return j, true, nil
}

// Retry queues a failed or cancelled job again.
func (f *oasJobs) Retry(ctx context.Context, id string) (*jobs.Job, error) {
	j, err := f.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.State != jobs.StateFailed && j.State != jobs.StateCancelled {
		return nil, &jobs.ConflictError{Msg: fmt.Sprintf("job %s is %s; only a failed or cancelled job can be retried", id, j.State)}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *j
	c.State, c.Error, c.FinishedAt, c.StorageWait, c.RetryCount = jobs.StateQueued, "", nil, nil, j.RetryCount+1
	f.jobs[id] = &c
	return &c, nil
}

// TestOpenAPIStorageWaitAndRetry checks against the document the answers
// of POST /v1/jobs while storage is down (no plan, a note that the job
// waits), of POST /v1/jobs/{id}/retry, and a job that failed waiting for
// storage.
func TestOpenAPIStorageWaitAndRetry(t *testing.T) {
	doc := loadOpenAPI(t)
	dataset := oasDataset(t)
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	pl := &pipeline.Pipeline{Registry: reg}
	now := time.Now().UTC()
	failed := &jobs.Job{ID: "job_failed", Kind: jobs.KindGenerate, State: jobs.StateFailed, Attempts: 1, Output: "file:///out/job_failed",
		Error:     "storage unavailable for 10m0s, longer than jobs.storage_retry_window (10m0s): ...",
		CreatedAt: now, UpdatedAt: now, StartedAt: &now, FinishedAt: &now, RetryCount: 1,
		StorageWait: &jobs.StorageWait{Since: now.Add(-10 * time.Minute), Retries: 25, GivesUpAt: now},
		Spec:        generators.Spec{ID: "job_failed", Dataset: "file://" + dataset, Generator: "oversample", Strategy: generators.Strategy{Mode: generators.ModeAuto}, Output: "file:///out"}}
	done := *failed
	done.ID, done.State, done.Error, done.StorageWait = "job_done", jobs.StateSucceeded, "", nil
	svc := &oasJobs{pipeline: pl, jobs: map[string]*jobs.Job{failed.ID: failed, done.ID: &done}, datasets: map[string]*datasets.Registered{}, schedules: map[string]*jobs.Schedule{}}
	v1 := &V1{Jobs: svc, Datasets: svc, Schedules: svc, Evaluations: svc, Pipeline: pl, Resolve: storage.ParseLocation, DefaultOutput: "file://" + t.TempDir(), MaxSamples: 1000,
		StorageReady: func(context.Context) error {
			return fmt.Errorf("s3_endpoint: cannot reach the S3 endpoint: %w", storage.ErrUnavailable)
		},
		StorageRetryWindow: 10 * time.Minute}
	r := NewRouter(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Mount: []func(gin.IRouter){v1.Mount, MountOpenAPI}})
	steps := []struct {
		method, path, template, body string
		want                         int
	}{
		{"GET", "/v1/jobs/job_failed", "/v1/jobs/{id}", "", 200},
		{"POST", "/v1/jobs", "/v1/jobs", `{"dataset":"file://` + dataset + `","generator":"oversample","seed":7}`, 202},
		{"POST", "/v1/jobs", "/v1/jobs", `{"dataset":"file://` + dataset + `","generator":"oversample","params":{"bogus":1},"seed":7}`, 400},
		{"POST", "/v1/jobs/job_failed/retry", "/v1/jobs/{id}/retry", "", 202},
		{"POST", "/v1/jobs/job_done/retry", "/v1/jobs/{id}/retry", "", 409},
		{"POST", "/v1/jobs/nope/retry", "/v1/jobs/{id}/retry", "", 404},
	}
	for _, s := range steps {
		w := oasDo(r, s.method, s.path, s.body)
		if w.Code != s.want {
			t.Errorf("%s %s = %d %s, want %d", s.method, s.path, w.Code, w.Body, s.want)
		}
		oasCheckResponse(t, doc, s.method, s.template, w)
	}
}
