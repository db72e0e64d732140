package api

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
)

// JobQueue is what the job routes need of the job engine: check and plan
// a spec, queue it, and show, list, cancel, retry and watch jobs.
type JobQueue interface {
	Check(ctx context.Context, spec generators.Spec) (*pipeline.Prepared, error)
	// Plan applies a strategy under the limits Check applies to a job.
	Plan(ctx context.Context, spec generators.Spec) (*pipeline.Prepared, error)
	Submit(ctx context.Context, spec generators.Spec, idempotencyKey, scheduleID string) (*jobs.Job, bool, error)
	// SubmitUnchecked queues a job that Check could not check because
	// storage did not answer; it is checked when it starts.
	SubmitUnchecked(ctx context.Context, spec generators.Spec, idempotencyKey string) (*jobs.Job, bool, error)
	Retry(ctx context.Context, id string) (*jobs.Job, error)
	Get(ctx context.Context, id string) (*jobs.Job, error)
	List(ctx context.Context, o jobs.ListOptions) ([]*jobs.Job, string, error)
	Cancel(ctx context.Context, id string) (*jobs.Job, error)
	Watch(id string) (<-chan struct{}, func())
}

type planRequest struct {
	datasetRef
	Strategy *generators.Strategy `json:"strategy"`
	generators.TableOptions
}

func (v *V1) plan(c *gin.Context) (int, any, error) {
	var req planRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	ref, err := v.resolveDataset(c.Request.Context(), req.datasetRef)
	if err != nil {
		return 0, nil, err
	}
	s := generators.Strategy{Mode: generators.ModeAuto}
	if req.Strategy != nil {
		s = *req.Strategy
	}
	spec := generators.Spec{Dataset: ref.Dataset, Manifest: ref.Manifest, Strategy: s, TableOptions: req.TableOptions}
	if spec.IsTable() {
		if _, err := spec.TablesOptions(); err != nil {
			return 0, nil, err
		}
	}
	pr, err := v.Jobs.Plan(c.Request.Context(), spec)
	if err != nil {
		return 0, nil, err
	}
	if pr.Table != nil {
		// A table's classes are rows: every labelled row is a source.
		return http.StatusOK, gin.H{"dataset": ref.Dataset, "strategy": s, "before": pr.Before, "add": pr.Add, "after": pr.After,
			"total": pr.Total, "leakage_guard": false, "fingerprint": pr.Dataset.Fingerprint, "table": pr.Table}, nil
	}
	// Beside the file counts: how many files of each class that gets
	// samples a generator can read (issue 13: a class of one readable
	// image and broken files looked like a class of many).
	st, err := v.Pipeline.Open(c.Request.Context(), ref.Dataset)
	if err != nil {
		return 0, nil, err
	}
	readable, unreadable, err := generators.Readable(c.Request.Context(), st, datasets.ByClass(pr.Dataset.TrainFiles()), pr.Add, generators.ReadableCheckMax)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"dataset": ref.Dataset, "strategy": s, "before": pr.Before, "add": pr.Add, "after": pr.After,
		"total": pr.Total, "leakage_guard": pr.LeakageGuard, "fingerprint": pr.Dataset.Fingerprint,
		"readable": readable, "unreadable": unreadable}, nil
}

// JobRequest is the body of POST /v1/jobs (and a schedule's template).
type JobRequest struct {
	Dataset   string               `json:"dataset"`
	Manifest  string               `json:"manifest,omitempty"`
	Generator string               `json:"generator"`
	Params    json.RawMessage      `json:"params,omitempty"`
	Strategy  *generators.Strategy `json:"strategy,omitempty"`
	Seed      *int64               `json:"seed,omitempty"`
	Output    string               `json:"output,omitempty"`
	// Quality is "auto" (default: measure the samples) or "off".
	Quality string `json:"quality,omitempty"`
	// TableOptions make the dataset a table (CSV or Parquet) whose rows
	// are the samples: label_column names the class column.
	generators.TableOptions
}

// spec validates a request into a job spec: names resolved, defaults
// filled (a random seed is drawn and recorded when none is given).
func (v *V1) spec(ctx context.Context, req JobRequest) (generators.Spec, error) {
	if req.Generator == "" {
		return generators.Spec{}, Errorf(http.StatusBadRequest, CodeValidation, "generator is required; available: %s", strings.Join(v.Pipeline.Registry.Names(), ", "))
	}
	ref, err := v.resolveDataset(ctx, datasetRef{req.Dataset, req.Manifest})
	if err != nil {
		return generators.Spec{}, err
	}
	out := req.Output
	if out == "" {
		out = v.DefaultOutput
	}
	loc, err := v.Resolve(out)
	if err != nil {
		return generators.Spec{}, fmt.Errorf("output: %w", err)
	}
	// The engine's Check validates the whole spec (generators.Spec.Validate);
	// the quality is checked here already so that a schedule's bad quality
	// is refused before its cron, and without Check's "template: " prefix.
	if err := generators.ValidateQuality(req.Quality); err != nil {
		return generators.Spec{}, err
	}
	spec := generators.Spec{Dataset: ref.Dataset, Manifest: ref.Manifest, Generator: req.Generator, Params: req.Params,
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Output: loc.String(), Quality: req.Quality, TableOptions: req.TableOptions}
	if req.Strategy != nil {
		spec.Strategy = *req.Strategy
	}
	if req.Seed != nil {
		spec.Seed = *req.Seed
	} else {
		spec.Seed = rand.Int64N(1 << 53) // recorded, so the job can be reproduced
	}
	return spec, nil
}

const maxIdempotencyKey = 255

func (v *V1) submit(c *gin.Context) (int, any, error) {
	var req JobRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	key := c.GetHeader("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "Idempotency-Key is %d characters long; at most %d are accepted", len(key), maxIdempotencyKey)
	}
	if key != "" && req.Seed == nil {
		// A retried request must be the same request: without a seed each
		// retry would draw a new one.
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "a request with an Idempotency-Key must give a seed, so that a retry is the same request")
	}
	spec, err := v.spec(c.Request.Context(), req)
	if err != nil {
		return 0, nil, err
	}
	pr, storageErr, err := v.check(c.Request.Context(), spec)
	if err != nil {
		return 0, nil, err
	}
	var j *jobs.Job
	var created bool
	if storageErr != nil {
		j, created, err = v.Jobs.SubmitUnchecked(c.Request.Context(), spec, key)
	} else {
		j, created, err = v.Jobs.Submit(c.Request.Context(), spec, key, "")
	}
	if err != nil {
		return 0, nil, err
	}
	c.Header("Location", "/v1/jobs/"+j.ID)
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	if storageErr != nil {
		return status, gin.H{"job": j, "waiting_for_storage": fmt.Sprintf("storage is not available (%v): the job is queued and waits for it "+
			"for up to %s (jobs.storage_retry_window) once it starts, without spending its attempts; its dataset and strategy are checked "+
			"when storage answers, and a request they refuse fails the job then", storageErr, v.StorageRetryWindow)}, nil
	}
	return status, gin.H{"job": j, "plan": gin.H{"add": pr.Add, "after": pr.After, "total": pr.Total, "leakage_guard": pr.LeakageGuard}}, nil
}

// check checks a job before it is queued. While storage does not answer
// (StorageReady fails, or Check fails with an errkind.Unavailable error
// such as storage.ErrUnavailable: the kind on which a job waits) the job
// cannot be checked against its dataset: check returns why as storageErr,
// and the job is queued unchecked.
func (v *V1) check(ctx context.Context, spec generators.Spec) (pr *pipeline.Prepared, storageErr, err error) {
	if err := v.storageReady(ctx); err != nil {
		return nil, err, nil
	}
	pr, err = v.Jobs.Check(ctx, spec)
	if errkind.Of(err) == errkind.Unavailable {
		return nil, err, nil
	}
	return pr, nil, err
}

// retryJob runs a failed or cancelled job again; it continues from the
// samples it wrote.
func (v *V1) retryJob(c *gin.Context) (int, any, error) {
	j, err := v.Jobs.Retry(c.Request.Context(), c.Param("id"))
	if err != nil {
		return 0, nil, notFound(err, "job", c.Param("id"))
	}
	return http.StatusAccepted, j, nil
}

func (v *V1) listJobs(c *gin.Context) (int, any, error) {
	o := jobs.ListOptions{State: c.Query("state"), Kind: c.Query("kind"), Cursor: c.Query("cursor")}
	if o.State != "" && !slices.Contains(jobs.States, o.State) {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "state %q: accepted: %s", o.State, strings.Join(jobs.States, ", "))
	}
	if kinds := []string{jobs.KindGenerate, jobs.KindEvaluate}; o.Kind != "" && !slices.Contains(kinds, o.Kind) {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "kind %q: accepted: %s", o.Kind, strings.Join(kinds, ", "))
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "limit %q: accepted: 1 to 500", l)
		}
		o.Limit = n
	}
	list, next, err := v.Jobs.List(c.Request.Context(), o)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"jobs": nonNil(list), "next_cursor": next}, nil
}

func (v *V1) getJob(c *gin.Context) (int, any, error) {
	j, err := v.Jobs.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return 0, nil, notFound(err, "job", c.Param("id"))
	}
	return http.StatusOK, j, nil
}

func (v *V1) cancelJob(c *gin.Context) (int, any, error) {
	j, err := v.Jobs.Cancel(c.Request.Context(), c.Param("id"))
	if err != nil {
		return 0, nil, notFound(err, "job", c.Param("id"))
	}
	return http.StatusAccepted, j, nil
}

// jobEvents streams a job as server-sent events: an "job" event with the
// whole job whenever it changes, until it ends.
func (v *V1) jobEvents(c *gin.Context) {
	id := c.Param("id")
	j, err := v.Jobs.Get(c.Request.Context(), id)
	if err != nil {
		respondError(c, notFound(err, "job", id))
		return
	}
	changed, stop := v.Jobs.Watch(id)
	defer stop()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	var last []byte
	tick := time.NewTicker(time.Second) // other processes' updates arrive by polling
	defer tick.Stop()
	for {
		b, _ := json.Marshal(j)
		if string(b) != string(last) {
			fmt.Fprintf(c.Writer, "event: job\ndata: %s\n\n", b)
			c.Writer.Flush()
			last = b
		}
		if jobs.Terminal(j.State) {
			fmt.Fprintf(c.Writer, "event: end\ndata: {\"state\":%q}\n\n", j.State)
			c.Writer.Flush()
			return
		}
		select {
		case <-c.Request.Context().Done():
			return
		case <-changed:
		case <-tick.C:
		}
		if j, err = v.Jobs.Get(c.Request.Context(), id); err != nil {
			return
		}
	}
}

// storageReadyFor is how long a StorageReady that found storage answering
// is believed: the checks write a probe file to the data directory and
// ping S3, which at hundreds of submits a second was a fifth of the
// submit path's time (issue 17). A failure is never reused: while storage
// is out, every submit checks again, so the first one after it is back
// is checked against its dataset.
const storageReadyFor = time.Second

// storageReady runs StorageReady, at most once per storageReadyFor while
// it succeeds.
func (v *V1) storageReady(ctx context.Context) error {
	if v.StorageReady == nil {
		return nil
	}
	now := time.Now()
	v.readyMu.Lock()
	fresh := now.Before(v.readyUntil)
	v.readyMu.Unlock()
	if fresh {
		return nil
	}
	if err := v.StorageReady(ctx); err != nil {
		return err
	}
	v.readyMu.Lock()
	if until := now.Add(storageReadyFor); until.After(v.readyUntil) {
		v.readyUntil = until
	}
	v.readyMu.Unlock()
	return nil
}
