package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/storage"
)

// V1 serves the /v1 routes. Each group of handlers depends only on the
// small interface declared beside it (JobQueue, DatasetRegistry,
// ScheduleRegistry, EvaluationQueue); a *jobs.Engine is all four.
type V1 struct {
	Jobs        JobQueue
	Datasets    DatasetRegistry
	Schedules   ScheduleRegistry
	Evaluations EvaluationQueue
	Pipeline    *pipeline.Pipeline
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

	readyMu    sync.Mutex
	readyUntil time.Time // storageReady's last success, believed until then
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
	v.mountFiles(g)
}

func (v *V1) listGenerators(c *gin.Context) (int, any, error) {
	return http.StatusOK, gin.H{"generators": nonNil(v.Pipeline.Registry.Infos()), "max_samples_per_job": v.MaxSamples}, nil
}

// notFound answers a 404 for a job, dataset or schedule that does not
// exist (an error of kind errkind.NotFound).
func notFound(err error, what, id string) error {
	if errkind.Of(err) == errkind.NotFound {
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
