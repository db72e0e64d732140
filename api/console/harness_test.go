package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/storage/s3store"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// The browser tests drive Debian's chromium (headless, through chromedp)
// against a real `tailsynth serve`, built once per test binary from
// ./cmd/tailsynth. Without chromium they fail when CI is set and skip
// otherwise.

// envChromium names the browser binary; default /usr/bin/chromium, then
// chromium or chromium-browser on $PATH.
const envChromium = "TAILSYNTH_CHROMIUM"

// envScreenshots, set to 1, writes a screenshot of each page to
// docs/images/console-<page>.png.
const envScreenshots = "TAILSYNTH_SCREENSHOTS"

func TestMain(m *testing.M) {
	code := storagetest.Main(m)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// chromiumPath finds the browser or fails (CI) or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv(envChromium), "/usr/bin/chromium"}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
	}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	msg := fmt.Sprintf("no chromium found ($%s, /usr/bin/chromium, $PATH); install it with apt-get install chromium (./scripts/test does)", envChromium)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// tailsynthBinary builds ./cmd/tailsynth once.
func tailsynthBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "tailsynth-console-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "tailsynth")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/tailsynth/tailsynth/cmd/tailsynth")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/tailsynth: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running `tailsynth serve`.
type server struct {
	URL     string
	Key     string
	Dataset string // a local folder of class folders: common 40, rare 8
	DataDir string
	Bucket  string // set for an S3 output
	s3      *storagetest.S3Server
}

type serverOptions struct {
	s3   bool // default output on the S3 test server instead of the data dir
	open bool // no API keys: the console asks for none
}

const testKey = "console-test-key-0123456789"

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer writes a config and starts the service with an API key, a
// small image dataset and logreg judges (fast on two cores).
func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	bin := tailsynthBinary(t)
	root := t.TempDir()
	s := &server{Key: testKey, Dataset: filepath.Join(root, "dataset"), DataDir: filepath.Join(root, "data")}
	keys := "[" + testKey + "]"
	if o.open {
		s.Key, keys = "", "[]"
	}
	writeDataset(t, s.Dataset, map[string]int{"common": 40, "rare": 8})
	addr := freeAddr(t)
	s.URL = "http://" + addr
	output := ""
	s3 := ""
	if o.s3 {
		s.s3 = storagetest.S3(t)
		s.Bucket = s.s3.NewBucket(t)
		output = "s3://" + s.Bucket + "/runs"
		s3 = fmt.Sprintf(`
  s3:
    endpoint: http://%s
    access_key: %s
    secret_key: %s
    region: us-east-1
    bucket_lookup: path
    allowed_buckets: [%s]`, s.s3.Endpoint, s.s3.AccessKey, s.s3.SecretKey, s.Bucket)
	}
	cfg := fmt.Sprintf(`data_dir: %s
server:
  addr: %s
  api_keys: %s
log:
  level: warn
storage:
  local_roots: [%s]
  default_output: %q%s
jobs:
  workers: 2
  heavy_workers: 1
quality:
  judges: [logreg]
  max_train_rows: 500
`, s.DataDir, addr, keys, root, output, s3)
	cfgPath := filepath.Join(root, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(root, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The server refuses TAILSYNTH_ variables that are not its settings
	// (the tests' own, such as TAILSYNTH_SCREENSHOTS): it gets none.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TAILSYNTH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := exited
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("tailsynth serve log:\n%s", b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("tailsynth serve did not answer /healthz within 60s: %v\n%s", err, b)
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("tailsynth serve exited before answering /healthz: %v\n%s", waitErr, b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// writeDataset makes 16x16 grey PNGs per class under dir/<class>/: each
// class its own brightness and stripes, each image its own noise. Grey,
// because an evaluation fits its feature spaces on 28x28 images, and three
// colour channels make that fit on 2,352 values instead of 784, which costs
// a minute on two cores (quality.FitPCA decomposes the full covariance).
func writeDataset(t *testing.T, dir string, counts map[string]int) {
	t.Helper()
	levels := map[string]int{"common": 70, "rare": 170}
	rng := rand.New(rand.NewPCG(1, 2))
	for class, n := range counts {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 16, 16))
			for y := range 16 {
				for x := range 16 {
					v := levels[class] + rng.IntN(61) - 30 + (x-8)*4
					if class == "rare" && y%4 < 2 {
						v -= 50
					}
					img.SetGray(x, y, color.Gray{Y: uint8(max(0, min(255, v)))})
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, class, fmt.Sprintf("%03d.png", i)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// call sends one API request with the key and decodes the answer into out.
func (s *server) call(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if s.Key != "" {
		req.Header.Set("Authorization", "Bearer "+s.Key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

type job struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Output  string `json:"output"`
	Request struct {
		Generator string          `json:"generator"`
		Dataset   string          `json:"dataset"`
		Params    json.RawMessage `json:"params"`
	} `json:"request"`
}

func (s *server) submitJob(t *testing.T, req map[string]any) job {
	t.Helper()
	var resp struct {
		Job job `json:"job"`
	}
	s.call(t, http.MethodPost, "/v1/jobs", req, &resp)
	return resp.Job
}

func (s *server) job(t *testing.T, id string) job {
	t.Helper()
	var j job
	s.call(t, http.MethodGet, "/v1/jobs/"+id, nil, &j)
	return j
}

// waitJob waits until job id is in a final state and returns it.
func (s *server) waitJob(t *testing.T, id string, timeout time.Duration) job {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j := s.job(t, id)
		if j.State == "succeeded" || j.State == "failed" || j.State == "cancelled" {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after %s", id, j.State, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// readOutput reads key (relative to a job's output) from the store the
// job wrote to: the data directory or the S3 bucket.
func (s *server) readOutput(t *testing.T, j job, key string) []byte {
	t.Helper()
	out := j.Output
	switch {
	case strings.HasPrefix(out, "file://"):
		b, err := os.ReadFile(filepath.Join(strings.TrimPrefix(out, "file://"), filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	case strings.HasPrefix(out, "s3://"):
		rest := strings.TrimPrefix(out, "s3://")
		bucket, prefix, _ := strings.Cut(rest, "/")
		st, err := s3store.New(context.Background(), s.s3.Config(), bucket)
		if err != nil {
			t.Fatal(err)
		}
		rc, _, err := st.Get(context.Background(), strings.Trim(prefix, "/")+"/"+key)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("job output %q: neither file:// nor s3://", out)
	return nil
}
