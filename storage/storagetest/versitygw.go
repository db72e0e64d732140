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
	bin       string
	owned     bool // started by NewS3Server for one test, which may stop it
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
	s := &S3Server{Endpoint: addr, AccessKey: testAccess, SecretKey: testSecret, dir: dir, bin: bin}
	if err := s.launch(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// launch starts versitygw on s.Endpoint serving s.dir and waits until it
// answers its health check.
func (s *S3Server) launch() error {
	cmd := exec.Command(s.bin, "--access", testAccess, "--secret", testSecret,
		"--port", s.Endpoint, "--health", "/health", "--quiet", "posix", s.dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + s.Endpoint + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw on %s did not answer /health within 15s: %v", s.Endpoint, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// NewS3Server starts a versitygw of the calling test's own, which the test
// may stop and start again (Stop, Start) to play a storage outage; the
// package's shared server (S3) is never stopped. It is removed when the
// test ends. Without versitygw the test fails when CI is set and is skipped
// otherwise; with TAILSYNTH_TEST_S3_ENDPOINT set (a server the tests cannot
// stop) it is skipped.
func NewS3Server(t testing.TB) *S3Server {
	t.Helper()
	if os.Getenv(envEndpoint) != "" {
		t.Skipf("$%s names an S3 server this test cannot stop and restart", envEndpoint)
	}
	bin, err := findVersityGW()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("S3 test server: %v", err)
		}
		t.Skipf("S3 test server: %v (run ./scripts/test, which installs it)", err)
	}
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &S3Server{Endpoint: addr, AccessKey: testAccess, SecretKey: testSecret, dir: t.TempDir(), bin: bin, owned: true}
	t.Cleanup(s.kill)
	if err := s.launch(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Stop kills the server (SIGKILL: clients see refused connections, as in
// a crash); its objects stay on disk for Start.
func (s *S3Server) Stop(t testing.TB) {
	t.Helper()
	if !s.owned {
		t.Fatal("Stop: only a server from NewS3Server may be stopped; the package's shared server serves other tests")
	}
	s.kill()
}

// Start starts a stopped server again on the same port with the same
// objects, and waits until it answers.
func (s *S3Server) Start(t testing.TB) {
	t.Helper()
	if !s.owned {
		t.Fatal("Start: only a server from NewS3Server may be restarted")
	}
	if s.cmd != nil {
		t.Fatal("Start: the server is running; Stop it first")
	}
	if err := s.launch(); err != nil {
		t.Fatal(err)
	}
}

func (s *S3Server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	s.cmd = nil
}

func (s *S3Server) stop() {
	s.kill()
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
