package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// serveOn starts svc on a loopback listener and returns its address; the
// server stops when the test ends.
func serveOn(t *testing.T, cfg *configs.Config) string {
	t.Helper()
	svc, err := service.New(context.Background(), cfg, quiet(), "test")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// connHeldFor reads conn until the server closes it (or until limit) and
// returns how long that took from start.
func connHeldFor(t *testing.T, conn net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return limit
	}
	return time.Since(start)
}

func TestSlowBodyCutOffAtReadTimeout(t *testing.T) {
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.ReadTimeout = 3 * time.Second
	addr := serveOn(t, cfg)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	body := `{"dataset":"toy","generator":"oversample"}`
	fmt.Fprintf(conn, "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a slow client: one byte every 2 s, as issue 13 found
		for i := 0; i < len(body); i++ {
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}()
	const limit = 9 * time.Second
	held := connHeldFor(t, conn, start, limit)
	if held >= cfg.Server.ReadTimeout+2*time.Second {
		t.Errorf("a body sent a byte every 2s held the connection %v (cut at %v), want it closed near server.read_timeout %v",
			held, limit, cfg.Server.ReadTimeout)
	}
}

func TestIdleConnectionClosedAtIdleTimeout(t *testing.T) {
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.IdleTimeout = time.Second
	addr := serveOn(t, cfg)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	const limit = 6 * time.Second
	if held := connHeldFor(t, conn, start, limit); held >= cfg.Server.IdleTimeout+2*time.Second {
		t.Errorf("an idle keep-alive connection stayed open %v (cut at %v), want it closed near server.idle_timeout %v",
			held, limit, cfg.Server.IdleTimeout)
	}
}
