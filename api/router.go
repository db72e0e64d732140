package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ReadyCheck is one dependency that /readyz checks.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Options are the router's dependencies.
type Options struct {
	Logger *slog.Logger
	// APIKeys are the accepted bearer tokens; none means the API is open.
	APIKeys []string
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	// Ready lists what /readyz checks.
	Ready []ReadyCheck
	// Registry collects /metrics; nil makes a new one.
	Registry *prometheus.Registry
	// Version is reported by /healthz.
	Version string
	// Mount adds further routes (jobs, datasets...) to the authenticated
	// group.
	Mount []func(r gin.IRouter)
}

// NewRouter builds the HTTP router. main and the tests share it.
func NewRouter(o Options) *gin.Engine {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
		o.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	metrics := NewMetrics(o.Registry)

	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(requestID(o.Logger), accessLog(), recovery(), metrics.middleware(), bodyLimit(o.MaxBodyBytes))
	r.NoRoute(func(c *gin.Context) {
		respondError(c, Errorf(http.StatusNotFound, CodeNotFound, "no route %s %s; see /openapi.json for the routes", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		respondError(c, Errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})

	var ring *keyring
	if len(o.APIKeys) > 0 {
		ring = newKeyring(o.APIKeys)
		r.Use(auth(ring, openPath))
	}
	mountSession(r, ring)
	start := time.Now()
	r.GET("/healthz", handle(func(c *gin.Context) (int, any, error) {
		return http.StatusOK, gin.H{"status": "ok", "version": o.Version, "uptime_s": int(time.Since(start).Seconds())}, nil
	}))
	r.GET("/readyz", readyz(o.Ready))
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{})))
	for _, m := range o.Mount {
		m(r)
	}
	return r
}

type checkResult struct {
	Name       string  `json:"name"`
	OK         bool    `json:"ok"`
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

func readyz(checks []ReadyCheck) gin.HandlerFunc {
	return handle(func(c *gin.Context) (int, any, error) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
		defer cancel()
		results := make([]checkResult, len(checks))
		var wg sync.WaitGroup
		for i, ch := range checks {
			wg.Go(func() {
				t := time.Now()
				err := ch.Check(ctx)
				results[i] = checkResult{Name: ch.Name, OK: err == nil, DurationMS: float64(time.Since(t).Microseconds()) / 1000}
				if err != nil {
					results[i].Error = err.Error()
				}
			})
		}
		wg.Wait()
		for _, r := range results {
			if !r.OK {
				return 0, nil, (&Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
					Message: "not ready: " + r.Name + ": " + r.Error}).WithDetails(gin.H{"checks": results})
			}
		}
		return http.StatusOK, gin.H{"status": "ready", "checks": results}, nil
	})
}

// openPath lists what answers without a key: the probes, the session
// check (the console asks it whether to show a key prompt) and logout, and
// the console's static assets at / and /ui/, which hold no secrets.
func openPath(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case p == "/healthz", p == "/readyz", p == "/", p == "/ui":
		return true
	case p == "/v1/session":
		return r.Method != http.MethodPost
	}
	return strings.HasPrefix(p, "/ui/")
}
