package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/tailsynth/tailsynth/storage/s3store"
)

// S3 test server settings. The test command (scripts/test) installs
// versitygw into .cache/bin; tests start it themselves on a free loopback
// port. To use another server instead, set TAILSYNTH_TEST_S3_ENDPOINT,
// TAILSYNTH_TEST_S3_ACCESS_KEY and TAILSYNTH_TEST_S3_SECRET_KEY.
const (
	envEndpoint  = "TAILSYNTH_TEST_S3_ENDPOINT"
	envAccess    = "TAILSYNTH_TEST_S3_ACCESS_KEY"
	envSecret    = "TAILSYNTH_TEST_S3_SECRET_KEY"
	envVersityGW = "TAILSYNTH_VERSITYGW"
	testAccess   = "tailsynth-test"
	testSecret   = "tailsynth-test-secret"
)

// S3Server is a running S3 server for tests.
type S3Server struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	cmd       *exec.Cmd
	dir       string
}

var (
	serverOnce sync.Once
	server     *S3Server
	serverErr  error
)

// S3 returns the package's S3 test server, starting versitygw on first use.
// Without a server it fails the test when CI is set, and skips it otherwise
// (with the command that installs one). Call Main from TestMain to stop it.
func S3(t testing.TB) *S3Server {
	t.Helper()
	serverOnce.Do(func() { server, serverErr = startServer() })
	if serverErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("S3 test server: %v", serverErr)
		}
		t.Skipf("S3 test server: %v (run ./scripts/test, which installs it)", serverErr)
	}
	return server
}

// Main runs the tests and then stops the S3 server if one was started.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	if server != nil {
		server.stop()
	}
	return code
}

func startServer() (*S3Server, error) {
	if ep := os.Getenv(envEndpoint); ep != "" {
		return &S3Server{Endpoint: strings.TrimPrefix(ep, "http://"), AccessKey: os.Getenv(envAccess), SecretKey: os.Getenv(envSecret)}, nil
	}
	bin, err := findVersityGW()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tailsynth-versitygw-")
	if err != nil {
		return nil, err
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--access", testAccess, "--secret", testSecret,
		"--port", addr, "--health", "/health", "--quiet", "posix", dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &S3Server{Endpoint: addr, AccessKey: testAccess, SecretKey: testSecret, cmd: cmd, dir: dir}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("versitygw on %s did not answer /health within 15s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *S3Server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// findVersityGW looks in $TAILSYNTH_VERSITYGW, .cache/bin of the module
// root above the working directory, then $PATH.
func findVersityGW() (string, error) {
	if p := os.Getenv(envVersityGW); p != "" {
		return p, nil
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				p := filepath.Join(d, ".cache", "bin", "versitygw")
				if _, err := os.Stat(p); err == nil {
					return p, nil
				}
				break
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("versitygw not found in $%s, .cache/bin or $PATH", envVersityGW)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Config returns an s3store.Config for the server.
func (s *S3Server) Config() s3store.Config {
	return s3store.Config{Endpoint: "http://" + s.Endpoint, AccessKey: s.AccessKey, SecretKey: s.SecretKey,
		Region: "us-east-1", BucketLookup: "path"}
}

// NewBucket creates a bucket with a unique name and returns its name.
func (s *S3Server) NewBucket(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test-" + hex.EncodeToString(b[:])
	client, err := s3store.NewClient(s.Config())
	if err != nil {
		t.Fatal(err)
	}
	if err := client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	return name
}

// NewStore returns a store on a new, empty bucket.
func (s *S3Server) NewStore(t testing.TB) *s3store.Store {
	t.Helper()
	st, err := s3store.New(context.Background(), s.Config(), s.NewBucket(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}
