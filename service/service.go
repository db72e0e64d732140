// Package service wires tailsynth together from its configuration: storage,
// the job engine, the HTTP API, and the HTTP server with graceful shutdown.
// cmd/tailsynth only parses flags and calls it.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/api/console"
	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/augmentgen"
	"github.com/tailsynth/tailsynth/generators/autogen"
	"github.com/tailsynth/tailsynth/generators/compositegen"
	"github.com/tailsynth/tailsynth/generators/gangen"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
	"github.com/tailsynth/tailsynth/generators/tabgen"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/s3store"
)

// Service is a configured tailsynth server.
type Service struct {
	cfg      *configs.Config
	log      *slog.Logger
	locator  *locator.Locator
	handler  http.Handler
	engine   *jobs.Engine
	registry *generators.Registry
}

// NewLogger builds the logger the configuration asks for.
func NewLogger(w io.Writer, c configs.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// S3Config converts the configuration's S3 section.
func S3Config(c configs.S3) *s3store.Config {
	if c.Endpoint == "" {
		return nil
	}
	return &s3store.Config{
		Endpoint: c.Endpoint, Region: c.Region, Secure: c.Secure, BucketLookup: c.BucketLookup,
		AccessKey: c.AccessKey, SecretKey: c.SecretKey, SessionToken: c.SessionToken,
		PartSize: uint64(c.PartSizeMiB) << 20, CreateBucket: c.CreateBuckets,
	}
}

// New validates cfg and builds the service without starting anything.
// Generators beyond the built-in ones (tests, plug-ins) may be given.
func New(ctx context.Context, cfg *configs.Config, log *slog.Logger, version string, extra ...generators.Generator) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	loc, err := locator.New(locator.Config{
		LocalRoots:     cfg.LocalRoots(),
		S3:             S3Config(cfg.Storage.S3),
		AllowedBuckets: cfg.Storage.S3.AllowedBuckets,
	})
	if err != nil {
		return nil, err
	}
	if _, err := loc.Resolve(cfg.DefaultOutput()); err != nil {
		return nil, fmt.Errorf("storage.default_output: %w", err)
	}
	s := &Service{cfg: cfg, log: log, locator: loc, registry: Registry()}
	models := func(ctx context.Context) (storage.Store, error) { return s.open(ctx, cfg.DefaultOutput()+"/models") }
	if err := gangen.Register(s.registry, models); err != nil {
		return nil, err
	}
	for _, g := range extra {
		if err := s.registry.Register(g); err != nil {
			return nil, err
		}
	}
	quality := evaluate.Config{Judges: cfg.Quality.Judges, MaxTrainRows: cfg.Quality.MaxTrainRows}
	pl := &pipeline.Pipeline{Registry: s.registry, Log: log, Open: s.open, Quality: &evaluate.Hook{Config: quality}, Writers: cfg.Jobs.Writers}
	s.engine, err = jobs.Open(ctx, jobs.Config{
		Database: cfg.Jobs.Database, DataDir: cfg.AbsDataDir(), Workers: cfg.Jobs.Workers, HeavyWorkers: cfg.Jobs.HeavyWorkers,
		MaxAttempts: cfg.Jobs.MaxAttempts, MaxSamples: cfg.Jobs.MaxSamples, MinScheduleInterval: cfg.Jobs.MinScheduleInterval,
		StorageRetryWindow: storageRetryWindow(cfg.Jobs.StorageRetryWindow), StorageRetryMaxBackoff: cfg.Jobs.StorageRetryMaxBackoff,
		Pipeline: pl, Log: log,
		Evaluator: &evaluate.Runner{Pipeline: pl, Config: quality, Log: log},
	})
	if err != nil {
		return nil, fmt.Errorf("job engine: %w", err)
	}
	storageChecks := s.readyChecks()
	ready := append(slices.Clone(storageChecks), api.ReadyCheck{Name: "job_database", Check: s.engine.Ping})
	s.startupChecks(ctx, ready)
	// The dataset names live in the job engine's database.
	names, err := datasets.OpenRegistry(ctx, s.engine.SQL(), nil)
	if err != nil {
		s.engine.Close()
		return nil, err
	}
	// The engine is the other small interfaces the /v1 handlers ask for.
	v1 := &api.V1{Jobs: s.engine, Datasets: names, Schedules: s.engine, Evaluations: s.engine,
		Pipeline: pl, Resolve: loc.Resolve, DefaultOutput: cfg.DefaultOutput(), MaxSamples: cfg.Jobs.MaxSamples,
		StorageReady: func(ctx context.Context) error { return storageUnavailable(ctx, storageChecks) }, StorageRetryWindow: cfg.Jobs.StorageRetryWindow}

	if len(cfg.Server.APIKeys) == 0 {
		log.Warn("no API keys configured: the API is open to anyone who can reach " + cfg.Server.Addr +
			" (allowed only on loopback; set server.api_keys to require a key)")
	}
	gin.SetMode(gin.ReleaseMode)
	s.handler = api.NewRouter(api.Options{
		Logger:       log,
		APIKeys:      cfg.Server.APIKeys,
		MaxBodyBytes: cfg.Server.MaxBodyBytes,
		Ready:        ready,
		Version:      version,
		Mount:        []func(gin.IRouter){v1.Mount, (&api.Models{Catalog: modelCatalog{open: models}}).Mount, api.MountOpenAPI, console.Mount},
	})
	return s, nil
}

// Registry returns the generators the service offers.
func Registry() *generators.Registry {
	r := generators.NewRegistry()
	for _, g := range []generators.Generator{generators.Oversample{}, compositegen.Generator{}, augmentgen.Generator{}} {
		if err := r.Register(g); err != nil {
			panic(err) // a programming error: two generators of one name
		}
	}
	if err := spectrogen.Register(r); err != nil {
		panic(err)
	}
	if err := smotegen.Register(r); err != nil {
		panic(err)
	}
	if err := r.Register(tabgen.Generator{}); err != nil {
		panic(err)
	}
	// auto compares the others; its default candidates are looked up when a
	// job is validated, so the generators registered later count too.
	if err := autogen.Register(r); err != nil {
		panic(err)
	}
	return r
}

func (s *Service) open(ctx context.Context, uri string) (storage.Store, error) {
	st, _, err := s.locator.Open(ctx, uri)
	return st, err
}

// Engine returns the job engine.
func (s *Service) Engine() *jobs.Engine { return s.engine }

// Handler returns the HTTP handler.
func (s *Service) Handler() http.Handler { return s.handler }

func (s *Service) readyChecks() []api.ReadyCheck {
	checks := []api.ReadyCheck{{Name: "data_dir", Check: func(ctx context.Context) error {
		st, _, err := s.locator.Open(ctx, mustLocation(s.cfg.AbsDataDir()))
		if err != nil {
			return err
		}
		return st.Check(ctx)
	}}}
	if s3 := S3Config(s.cfg.Storage.S3); s3 != nil {
		checks = append(checks, api.ReadyCheck{Name: "s3_endpoint", Check: func(ctx context.Context) error {
			return s3store.Ping(ctx, *s3)
		}})
		for _, b := range s.cfg.Storage.S3.AllowedBuckets {
			if b == "*" {
				continue
			}
			checks = append(checks, api.ReadyCheck{Name: "s3_bucket_" + b, Check: func(ctx context.Context) error {
				probe := *s3
				probe.MaxRetries = 1
				_, err := s3store.New(ctx, probe, b)
				return err
			}})
		}
	}
	return checks
}

// storageRetryWindow is jobs.storage_retry_window for the engine, where
// 0 means its default and a negative window no wait.
func storageRetryWindow(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// storageUnavailable runs storage checks as /readyz does (at once, within
// 5s) and returns the first that found storage not answering (an error
// of kind errkind.Unavailable, such as storage.ErrUnavailable: the kind a
// job waits out; a check that timed out counting as one), named; nil if
// none did. Other failures (a bucket that does not exist, refused
// credentials) are not an outage: a job meets them when it is checked.
func storageUnavailable(ctx context.Context, checks []api.ReadyCheck) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			err := c.Check(ctx)
			switch {
			case errkind.Of(err) == errkind.Unavailable:
				errs[i] = fmt.Errorf("%s: %w", c.Name, err)
			case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
				errs[i] = fmt.Errorf("%s: no answer within 5s (%v): %w", c.Name, err, storage.ErrUnavailable)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// startupChecks runs the readiness checks once and logs one clear error for
// each failure. The server still starts (storage may come up later);
// /readyz reports the failure until it is fixed.
func (s *Service) startupChecks(ctx context.Context, checks []api.ReadyCheck) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, c := range checks {
		if err := c.Check(ctx); err != nil {
			s.log.Error("storage check failed at start-up; /readyz will report not ready until it passes",
				"check", c.Name, "err", err)
		}
	}
}

// Run serves until ctx is cancelled (SIGINT/SIGTERM in main), then shuts
// down gracefully within server.shutdown_timeout.
func (s *Service) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (server.addr, --addr): %w", s.cfg.Server.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.httpServer()
	if err := s.engine.Start(ctx); err != nil {
		return err
	}
	defer s.engine.Close()
	s.log.Info("tailsynth listening", "addr", ln.Addr().String(), "data_dir", s.cfg.AbsDataDir(),
		"local_roots", strings.Join(s.locator.Roots(), ","), "default_output", s.cfg.DefaultOutput())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.engine.Stop(context.Background())
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.Server.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := s.engine.Stop(sctx); err != nil {
		s.log.Warn("stopping the job engine", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}

// httpServer is the HTTP server of the configuration. ReadTimeout bounds
// the whole request (headers and body), so a client that trickles its body
// gives up the connection at server.read_timeout; the headers alone get at
// most 10s. There is no write timeout: /v1/jobs/{id}/events streams for as
// long as a job runs (net/http lifts the read deadline once a request has
// been read, so it does not cut such a response either).
func (s *Service) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ReadTimeout:       s.cfg.Server.ReadTimeout,
		ReadHeaderTimeout: min(10*time.Second, s.cfg.Server.ReadTimeout),
		IdleTimeout:       s.cfg.Server.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

func mustLocation(dir string) string { return "file://" + dir }
