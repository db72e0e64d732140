package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// JobService is what the /v1 routes need of the job engine.
type JobService interface {
	Check(ctx context.Context, spec generators.Spec) (*generators.Prepared, error)
	// Plan applies a strategy under the limits Check applies to a job.
	Plan(ctx context.Context, spec generators.Spec) (*generators.Prepared, error)
	Submit(ctx context.Context, spec generators.Spec, idempotencyKey, scheduleID string) (*jobs.Job, bool, error)
	// SubmitUnchecked queues a job that Check could not check because
	// storage did not answer; it is checked when it starts.
	SubmitUnchecked(ctx context.Context, spec generators.Spec, idempotencyKey string) (*jobs.Job, bool, error)
	Retry(ctx context.Context, id string) (*jobs.Job, error)
	SubmitEvaluation(ctx context.Context, spec generators.Spec, request json.RawMessage, idempotencyKey string) (*jobs.Job, bool, error)
	Get(ctx context.Context, id string) (*jobs.Job, error)
	List(ctx context.Context, o jobs.ListOptions) ([]*jobs.Job, string, error)
	Cancel(ctx context.Context, id string) (*jobs.Job, error)
	Watch(id string) (<-chan struct{}, func())

	RegisterDataset(ctx context.Context, d jobs.Dataset) (*jobs.Dataset, error)
	GetDataset(ctx context.Context, name string) (*jobs.Dataset, error)
	ListDatasets(ctx context.Context) ([]*jobs.Dataset, error)
	DeleteDataset(ctx context.Context, name string) error

	CreateSchedule(ctx context.Context, s jobs.Schedule) (*jobs.Schedule, error)
	GetSchedule(ctx context.Context, id string) (*jobs.Schedule, error)
	ListSchedules(ctx context.Context) ([]*jobs.Schedule, error)
	DeleteSchedule(ctx context.Context, id string) error
}

// V1 serves the /v1 routes.
type V1 struct {
	Jobs     JobService
	Pipeline *generators.Pipeline
	// Resolve checks a location against the storage policy without I/O.
	Resolve func(uri string) (storage.Location, error)
	// DefaultOutput is where jobs that name no output write.
	DefaultOutput string
	// MaxSamples is reported in errors and /v1/generators.
	MaxSamples int
	// StorageReady runs the storage checks of /readyz (nil: none) and
	// returns an error when storage does not answer. Meanwhile POST
	// /v1/jobs accepts a job without checking it against its dataset, and
	// says that it waits for storage.
	StorageReady func(ctx context.Context) error
	// StorageRetryWindow is how long a job waits for storage
	// (jobs.storage_retry_window), for that answer.
	StorageRetryWindow time.Duration
}

// Mount adds the /v1 routes to r.
func (v *V1) Mount(r gin.IRouter) {
	g := r.Group("/v1")
	g.GET("/generators", handle(v.listGenerators))
	g.POST("/datasets", handle(v.registerDataset))
	g.GET("/datasets", handle(v.listDatasets))
	g.GET("/datasets/:name", handle(v.getDataset))
	g.DELETE("/datasets/:name", handle(v.deleteDataset))
	g.POST("/inspect", handle(v.inspect))
	g.POST("/plan", handle(v.plan))
	g.POST("/jobs", handle(v.submit))
	g.GET("/jobs", handle(v.listJobs))
	g.GET("/jobs/:id", handle(v.getJob))
	g.POST("/jobs/:id/cancel", handle(v.cancelJob))
	g.POST("/jobs/:id/retry", handle(v.retryJob))
	g.GET("/jobs/:id/events", v.jobEvents)
	g.POST("/schedules", handle(v.createSchedule))
	g.GET("/schedules", handle(v.listSchedules))
	g.GET("/schedules/:id", handle(v.getSchedule))
	g.DELETE("/schedules/:id", handle(v.deleteSchedule))
	v.mountEvaluations(g)
}

func (v *V1) listGenerators(c *gin.Context) (int, any, error) {
	return http.StatusOK, gin.H{"generators": nonNil(v.Pipeline.Registry.Infos()), "max_samples_per_job": v.MaxSamples}, nil
}

// datasetRef names a dataset: a location URI or a registered name.
type datasetRef struct {
	Dataset  string `json:"dataset"`
	Manifest string `json:"manifest,omitempty"`
}

// resolveDataset turns a registered name into its location, and checks a
// location against the storage policy.
func (v *V1) resolveDataset(ctx context.Context, ref datasetRef) (datasetRef, error) {
	if ref.Dataset == "" {
		return ref, Errorf(http.StatusBadRequest, CodeValidation, "dataset is required: a location (s3://bucket/prefix, file:///path) or the name of a registered dataset")
	}
	if !strings.Contains(ref.Dataset, "://") && !strings.HasPrefix(ref.Dataset, "/") {
		d, err := v.Jobs.GetDataset(ctx, ref.Dataset)
		if err != nil {
			names := []string{}
			if list, err := v.Jobs.ListDatasets(ctx); err == nil {
				for _, d := range list {
					names = append(names, d.Name)
				}
			}
			return ref, Errorf(http.StatusNotFound, CodeNotFound, "dataset %q is neither a location (s3://..., file:///...) nor a registered dataset (registered: %s)",
				ref.Dataset, strings.Join(append(names, "none")[:max(1, len(names))], ", "))
		}
		if ref.Manifest == "" {
			ref.Manifest = d.Manifest
		}
		ref.Dataset = d.Location
	}
	loc, err := v.Resolve(ref.Dataset)
	if err != nil {
		return ref, err
	}
	ref.Dataset = loc.String()
	return ref, nil
}

type registerRequest struct {
	Name        string `json:"name"`
	Location    string `json:"location"`
	Manifest    string `json:"manifest"`
	Description string `json:"description"`
}

func (v *V1) registerDataset(c *gin.Context) (int, any, error) {
	var req registerRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	if req.Location == "" {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "location is required (s3://bucket/prefix or file:///path)")
	}
	loc, err := v.Resolve(req.Location)
	if err != nil {
		return 0, nil, err
	}
	d, err := v.Jobs.RegisterDataset(c.Request.Context(), jobs.Dataset{Name: req.Name, Location: loc.String(), Manifest: req.Manifest, Description: req.Description})
	if err != nil {
		return 0, nil, err
	}
	c.Header("Location", "/v1/datasets/"+d.Name)
	return http.StatusCreated, d, nil
}

func (v *V1) listDatasets(c *gin.Context) (int, any, error) {
	list, err := v.Jobs.ListDatasets(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"datasets": nonNil(list)}, nil
}

func (v *V1) getDataset(c *gin.Context) (int, any, error) {
	d, err := v.Jobs.GetDataset(c.Request.Context(), c.Param("name"))
	if err != nil {
		return 0, nil, notFound(err, "dataset", c.Param("name"))
	}
	return http.StatusOK, d, nil
}

func (v *V1) deleteDataset(c *gin.Context) (int, any, error) {
	if err := v.Jobs.DeleteDataset(c.Request.Context(), c.Param("name")); err != nil {
		return 0, nil, notFound(err, "dataset", c.Param("name"))
	}
	return http.StatusNoContent, nil, nil
}

type inspectRequest struct {
	datasetRef
	// HeaderSample is how many files per class get their headers read
	// (default 50, 0 for all).
	HeaderSample *int `json:"header_sample"`
}

func (v *V1) inspect(c *gin.Context) (int, any, error) {
	var req inspectRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	ref, err := v.resolveDataset(c.Request.Context(), req.datasetRef)
	if err != nil {
		return 0, nil, err
	}
	n := 50
	if req.HeaderSample != nil {
		if *req.HeaderSample < 0 {
			return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "header_sample %d must be 0 (all files) or more", *req.HeaderSample)
		}
		n = *req.HeaderSample
	}
	st, err := v.Pipeline.Open(c.Request.Context(), ref.Dataset)
	if err != nil {
		return 0, nil, err
	}
	ds, err := generators.Scan(c.Request.Context(), st, generators.ScanOptions{Manifest: ref.Manifest})
	if err != nil {
		return 0, nil, fmt.Errorf("dataset %s: %w", ref.Dataset, err)
	}
	in, err := generators.Inspect(c.Request.Context(), st, ds, n)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"dataset": ref.Dataset, "inspection": in}, nil
}

type planRequest struct {
	datasetRef
	Strategy *generators.Strategy `json:"strategy"`
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
	pr, err := v.Jobs.Plan(c.Request.Context(), generators.Spec{Dataset: ref.Dataset, Manifest: ref.Manifest, Strategy: s})
	if err != nil {
		return 0, nil, err
	}
	// Beside the file counts: how many files of each class that gets
	// samples a generator can read (issue 13: a class of one readable
	// image and broken files looked like a class of many).
	st, err := v.Pipeline.Open(c.Request.Context(), ref.Dataset)
	if err != nil {
		return 0, nil, err
	}
	readable, unreadable, err := generators.Readable(c.Request.Context(), st, generators.ByClass(pr.Dataset.TrainFiles()), pr.Add, generators.ReadableCheckMax)
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
	if err := generators.ValidateQuality(req.Quality); err != nil {
		return generators.Spec{}, err
	}
	spec := generators.Spec{Dataset: ref.Dataset, Manifest: ref.Manifest, Generator: req.Generator, Params: req.Params,
		Strategy: generators.Strategy{Mode: generators.ModeAuto}, Output: loc.String(), Quality: req.Quality}
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
func (v *V1) check(ctx context.Context, spec generators.Spec) (pr *generators.Prepared, storageErr, err error) {
	if v.StorageReady != nil {
		if err := v.StorageReady(ctx); err != nil {
			return nil, err, nil
		}
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
	o := jobs.ListOptions{State: c.Query("state"), Cursor: c.Query("cursor")}
	if o.State != "" && !slices.Contains(jobs.States, o.State) {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "state %q: accepted: %s", o.State, strings.Join(jobs.States, ", "))
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

type scheduleRequest struct {
	Name          string     `json:"name"`
	Cron          string     `json:"cron"`
	Job           JobRequest `json:"job"`
	OnlyIfChanged bool       `json:"only_if_changed"`
	Overlap       bool       `json:"overlap"`
}

func (v *V1) createSchedule(c *gin.Context) (int, any, error) {
	var req scheduleRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	if req.Cron == "" {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "cron is required, e.g. \"0 3 * * *\" or \"@daily\"")
	}
	if req.Job.Seed == nil {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "job.seed is required in a schedule, so that every run is reproducible")
	}
	spec, err := v.spec(c.Request.Context(), req.Job)
	if err != nil {
		return 0, nil, err
	}
	s, err := v.Jobs.CreateSchedule(c.Request.Context(), jobs.Schedule{Name: req.Name, Cron: req.Cron, Template: spec, OnlyIfChanged: req.OnlyIfChanged, Overlap: req.Overlap})
	if err != nil {
		return 0, nil, err
	}
	c.Header("Location", "/v1/schedules/"+s.ID)
	return http.StatusCreated, s, nil
}

func (v *V1) listSchedules(c *gin.Context) (int, any, error) {
	list, err := v.Jobs.ListSchedules(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"schedules": nonNil(list)}, nil
}

func (v *V1) getSchedule(c *gin.Context) (int, any, error) {
	s, err := v.Jobs.GetSchedule(c.Request.Context(), c.Param("id"))
	if err != nil {
		return 0, nil, notFound(err, "schedule", c.Param("id"))
	}
	return http.StatusOK, s, nil
}

func (v *V1) deleteSchedule(c *gin.Context) (int, any, error) {
	if err := v.Jobs.DeleteSchedule(c.Request.Context(), c.Param("id")); err != nil {
		return 0, nil, notFound(err, "schedule", c.Param("id"))
	}
	return http.StatusNoContent, nil, nil
}

func notFound(err error, what, id string) error {
	if errors.Is(err, jobs.ErrNotFound) {
		return Errorf(http.StatusNotFound, CodeNotFound, "no %s %q", what, id)
	}
	return err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
