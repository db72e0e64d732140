package service_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/service"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func readyz(t *testing.T, cfg *configs.Config) (int, string) {
	t.Helper()
	svc, err := service.New(context.Background(), cfg, quiet(), "test")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer svc.Engine().Close()
	w := httptest.NewRecorder()
	svc.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	var body struct {
		Error struct{ Message string } `json:"error"`
	}
	json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body.Error.Message
}

func TestZeroConfigIsReady(t *testing.T) {
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	if code, msg := readyz(t, cfg); code != http.StatusOK {
		t.Errorf("/readyz = %d %s, want 200 with no configuration", code, msg)
	}
}

func TestStorageProblemsFailReadiness(t *testing.T) {
	srv := storagetest.S3(t)
	good := configs.S3{Endpoint: "http://" + srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		BucketLookup: "path", Region: "us-east-1", PartSizeMiB: 16}
	bucket := srv.NewBucket(t)
	cases := []struct {
		name string
		mod  func(*configs.S3)
		want string
	}{
		{"missing bucket", func(s *configs.S3) { s.AllowedBuckets = []string{"no-such-bucket"} }, `bucket "no-such-bucket"`},
		{"wrong credentials", func(s *configs.S3) { s.SecretKey = "wrong"; s.AllowedBuckets = []string{bucket} }, "check the access key"},
		{"unreachable", func(s *configs.S3) { s.Endpoint = "http://127.0.0.1:1" }, "cannot reach the S3 endpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := configs.Default()
			cfg.DataDir = t.TempDir()
			cfg.Storage.S3 = good
			c.mod(&cfg.Storage.S3)
			code, msg := readyz(t, cfg)
			if code != http.StatusServiceUnavailable || !strings.Contains(msg, c.want) {
				t.Errorf("/readyz = %d %q, want 503 naming %q", code, msg, c.want)
			}
		})
	}
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	cfg.Storage.S3 = good
	cfg.Storage.S3.AllowedBuckets = []string{bucket}
	if code, msg := readyz(t, cfg); code != http.StatusOK {
		t.Errorf("good S3 config: /readyz = %d %s", code, msg)
	}
}

func TestBadConfigRefused(t *testing.T) {
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Addr = "0.0.0.0:8080" // no API key
	cfg.Log.Format = "xml"
	_, err := service.New(context.Background(), cfg, quiet(), "test")
	if err == nil || !strings.Contains(err.Error(), "server.api_keys") || !strings.Contains(err.Error(), "log.format") {
		t.Errorf("New = %v, want both problems named", err)
	}
}

func TestSecondProcessOnSQLiteRefused(t *testing.T) {
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	a, err := service.New(context.Background(), cfg, quiet(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Engine().Close()
	if _, err := service.New(context.Background(), cfg, quiet(), "test"); err == nil || !strings.Contains(err.Error(), "in use by another tailsynth process") {
		t.Errorf("second service on one SQLite database: %v", err)
	}
}
