package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	ctxRequestID = "tailsynth.request_id"
	ctxLogger    = "tailsynth.logger"
	// HeaderRequestID carries the request ID in and out.
	HeaderRequestID = "X-Request-ID"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestID returns the ID of the request being served.
func RequestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// requestID takes a sane X-Request-ID from the client or makes one, and
// attaches a logger that carries it.
func requestID(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(HeaderRequestID)
		if !validRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(ctxRequestID, id)
		c.Set(ctxLogger, base.With("request_id", id))
		c.Header(HeaderRequestID, id)
		c.Next()
	}
}

// recovery turns a panic into a 500 in the error model, logging the stack
// but never sending it.
func recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(r)
				}
				logger(c).Error("panic serving request", "panic", r, "stack", string(debug.Stack()),
					"method", c.Request.Method, "path", c.Request.URL.Path)
				if c.Writer.Written() {
					c.Abort()
					return
				}
				respondError(c, errors.New("panic")) // generic 500, details only in the log
			}
		}()
		c.Next()
	}
}

// accessLog logs one line per request.
func accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		lvl := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			lvl = slog.LevelError
		} else if c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz" || c.Request.URL.Path == "/metrics" {
			lvl = slog.LevelDebug
		}
		logger(c).Log(c.Request.Context(), lvl, "request",
			"method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "bytes", c.Writer.Size(),
			"client", c.ClientIP())
	}
}

// Metrics are the HTTP metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailsynth_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tailsynth_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *Metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath() // the route template, so IDs do not explode label cardinality
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.duration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
	}
}

// bodyLimit bounds request bodies; reading past the limit fails with
// *http.MaxBytesError, which respondError maps to 413.
func bodyLimit(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			respondError(c, &http.MaxBytesError{Limit: max})
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

// auth requires "Authorization: Bearer <key>" with one of the ring's keys;
// the scheme is matched case-insensitively and may be followed by several
// spaces (RFC 7235 section 2.1). A GET or HEAD may instead carry the
// console's session cookie (see session.go). Keys and cookies are compared
// as SHA-256 digests in constant time, so neither their content nor their
// length leaks through timing. Requests for which open answers true pass
// without either.
func auth(ring *keyring, open func(*http.Request) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if open(c.Request) {
			c.Next()
			return
		}
		token, ok := bearerToken(c.GetHeader("Authorization"))
		if !ok {
			if v, err := c.Cookie(SessionCookie); err == nil && v != "" && readOnly(c.Request) && ring.validCookie(v) {
				c.Next()
				return
			}
			c.Header("WWW-Authenticate", `Bearer realm="tailsynth"`)
			msg := "missing API key; send the header \"Authorization: Bearer <key>\" with a key from server.api_keys"
			if _, err := c.Cookie(SessionCookie); err == nil {
				if readOnly(c.Request) {
					msg = "the session cookie is not valid (was its key removed from server.api_keys?); log in again with POST /v1/session"
				} else {
					msg = "the session cookie only authenticates GET and HEAD; send the header \"Authorization: Bearer <key>\" with this request"
				}
			}
			respondError(c, Errorf(http.StatusUnauthorized, CodeUnauthorized, "%s", msg))
			return
		}
		if !ring.validKey(token) {
			c.Header("WWW-Authenticate", `Bearer realm="tailsynth", error="invalid_token"`)
			respondError(c, Errorf(http.StatusUnauthorized, CodeUnauthorized, "the API key is not valid"))
			return
		}
		c.Next()
	}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header value, whatever the case of the scheme.
func bearerToken(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	token := strings.TrimLeft(h[len(scheme):], " ")
	return token, token != ""
}
