package configs

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/storage"
)

// MinAPIKeyLen is the shortest API key accepted.
const MinAPIKeyLen = 16

// Validate checks every setting and returns all problems at once, each
// naming the field, its value and what is accepted.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field string, value any, accepted string) {
		errs = append(errs, fmt.Errorf("%s: %v is not accepted; %s", field, fmtValue(value), accepted))
	}
	if c.DataDir == "" {
		bad("data_dir", c.DataDir, "give a directory, e.g. ./data")
	}
	if _, port, err := net.SplitHostPort(c.Server.Addr); err != nil {
		bad("server.addr", c.Server.Addr, "want host:port, e.g. 127.0.0.1:8080 or :8080")
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("server.addr", c.Server.Addr, "the port must be a number from 0 to 65535")
	}
	for i, k := range c.Server.APIKeys {
		if len(k) < MinAPIKeyLen {
			bad(fmt.Sprintf("server.api_keys[%d]", i), fmt.Sprintf("(a key of %d characters)", len(k)),
				fmt.Sprintf("API keys must have at least %d characters (e.g. openssl rand -hex 32)", MinAPIKeyLen))
		}
	}
	if len(c.Server.APIKeys) == 0 && !IsLoopback(c.Server.Addr) && c.Server.Addr != "" {
		errs = append(errs, fmt.Errorf("server.api_keys: none set, but server.addr %q listens beyond this machine; set at least one key (TAILSYNTH_SERVER_API_KEYS) or listen on 127.0.0.1", c.Server.Addr))
	}
	if c.Server.MaxBodyBytes < 1<<10 || c.Server.MaxBodyBytes > 1<<30 {
		bad("server.max_body_bytes", c.Server.MaxBodyBytes, "accepted: 1024 to 1073741824")
	}
	if c.Server.ReadTimeout < time.Second || c.Server.ReadTimeout > 10*time.Minute {
		bad("server.read_timeout", c.Server.ReadTimeout, "accepted: 1s to 10m")
	}
	if c.Server.IdleTimeout < time.Second || c.Server.IdleTimeout > time.Hour {
		bad("server.idle_timeout", c.Server.IdleTimeout, "accepted: 1s to 1h")
	}
	if c.Server.ShutdownTimeout <= 0 || c.Server.ShutdownTimeout > 10*time.Minute {
		bad("server.shutdown_timeout", c.Server.ShutdownTimeout, "accepted: more than 0s and at most 10m")
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		bad("log.format", c.Log.Format, "accepted: text, json")
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", c.Log.Level, "accepted: debug, info, warn, error")
	}
	for i, r := range c.Storage.LocalRoots {
		if !filepath.IsAbs(r) {
			bad(fmt.Sprintf("storage.local_roots[%d]", i), r, "local roots must be absolute paths")
		}
	}
	if c.Storage.DefaultOutput != "" {
		if _, err := storage.ParseLocation(c.Storage.DefaultOutput); err != nil {
			errs = append(errs, fmt.Errorf("storage.default_output: %w", err))
		}
	}
	s3 := c.Storage.S3
	if !slices.Contains([]string{"auto", "path", "virtual-host"}, s3.BucketLookup) {
		bad("storage.s3.bucket_lookup", s3.BucketLookup, "accepted: auto, path, virtual-host")
	}
	if s3.PartSizeMiB < 5 || s3.PartSizeMiB > 5120 {
		bad("storage.s3.part_size_mib", s3.PartSizeMiB, "S3 accepts parts of 5 to 5120 MiB")
	}
	if (s3.AccessKey == "") != (s3.SecretKey == "") {
		errs = append(errs, errors.New("storage.s3: set both access_key and secret_key, or neither to use the AWS environment/credential chain"))
	}
	for i, b := range s3.AllowedBuckets {
		if b == "*" {
			continue
		}
		if err := storage.ValidateBucketName(b); err != nil {
			errs = append(errs, fmt.Errorf("storage.s3.allowed_buckets[%d]: %w (or \"*\" for any bucket)", i, err))
		}
	}
	if s3.Endpoint == "" && len(s3.AllowedBuckets) > 0 {
		errs = append(errs, errors.New("storage.s3.allowed_buckets is set but storage.s3.endpoint is empty; set the endpoint (e.g. s3.amazonaws.com)"))
	}
	j := c.Jobs
	if d := j.Database; d != "" && strings.Contains(d, "://") && !strings.HasPrefix(d, "postgres://") && !strings.HasPrefix(d, "postgresql://") {
		bad("jobs.database", d, "accepted: empty (SQLite in the data directory), a SQLite file path, or a postgres:// URL")
	}
	checkRange := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			bad(field, v, fmt.Sprintf("accepted: %d to %d", lo, hi))
		}
	}
	checkRange("jobs.workers", j.Workers, 1, 64)
	checkRange("jobs.heavy_workers", j.HeavyWorkers, 1, 16)
	checkRange("jobs.max_samples", j.MaxSamples, 1, 10_000_000)
	checkRange("jobs.max_attempts", j.MaxAttempts, 1, 25)
	checkRange("jobs.writers", j.Writers, 0, 256)
	if j.MinScheduleInterval < 0 || j.MinScheduleInterval > 24*time.Hour {
		bad("jobs.min_schedule_interval", j.MinScheduleInterval, "accepted: 0s (no floor) to 24h, e.g. 5m")
	}
	if j.StorageRetryWindow < 0 || j.StorageRetryWindow > 24*time.Hour {
		bad("jobs.storage_retry_window", j.StorageRetryWindow, "accepted: 0s (jobs do not wait for storage) to 24h, e.g. 10m")
	}
	if j.StorageRetryMaxBackoff < time.Second || j.StorageRetryMaxBackoff > time.Hour {
		bad("jobs.storage_retry_max_backoff", j.StorageRetryMaxBackoff, "accepted: 1s to 1h, e.g. 30s")
	}
	q := c.Quality
	if len(q.Judges) == 0 {
		errs = append(errs, errors.New(`quality.judges: empty; accepted: "cnn" and "logreg", one or both, the headline first`))
	}
	for i, jg := range q.Judges {
		if (jg != "cnn" && jg != "logreg") || slices.Index(q.Judges, jg) != i {
			bad(fmt.Sprintf("quality.judges[%d]", i), jg, `accepted: "cnn" (a small CNN on the images) or "logreg" (logistic regression), each at most once`)
		}
	}
	checkRange("quality.max_train_rows", q.MaxTrainRows, 100, 1_000_000)
	return errors.Join(errs...)
}

func fmtValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

// IsLoopback reports whether addr (host:port) listens only on this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AbsDataDir returns the data directory as an absolute path.
func (c *Config) AbsDataDir() string {
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c.DataDir
	}
	return abs
}

// LocalRoots returns the configured local roots, or the data directory.
func (c *Config) LocalRoots() []string {
	if len(c.Storage.LocalRoots) > 0 {
		return c.Storage.LocalRoots
	}
	return []string{c.AbsDataDir()}
}

// DefaultOutput returns the configured default output location, or
// file://<data_dir>/outputs.
func (c *Config) DefaultOutput() string {
	if c.Storage.DefaultOutput != "" {
		return c.Storage.DefaultOutput
	}
	return "file://" + filepath.Join(c.AbsDataDir(), "outputs")
}
