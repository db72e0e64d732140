package service_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/augmentgen"
	"github.com/tailsynth/tailsynth/internal/testpg"
	"github.com/tailsynth/tailsynth/service"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv("TAILSYNTH_SERVICE_HELPER"); cfg != "" {
		serviceHelper(cfg)
		return
	}
	os.Exit(testpg.Main(runner(func() int { return storagetest.Main(m) })))
}

type runner func() int

func (r runner) Run() int { return r() }

// counted is oversample that appends the job's seed to a shared file each
// time a job starts, so the test can count executions across processes.
type counted struct {
	generators.Oversample
	log string
}

func (c counted) Info() generators.Info {
	i := c.Oversample.Info()
	i.Name = "counted"
	return i
}

func (c counted) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	f, err := os.OpenFile(c.log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "%d %d\n", env.Seed, os.Getpid())
	f.Close()
	time.Sleep(300 * time.Millisecond) // long enough for the other process to take the next job
	return c.Oversample.Start(ctx, env)
}

type helperConfig struct {
	DataDir, Root, Database, S3Endpoint, S3Access, S3Secret, Bucket, Log string

	// The fault suite's settings (faultsuite_test.go); zero values keep
	// the service above.
	Output                 string   // storage.default_output instead of s3://Bucket/runs
	APIKeys                []string // server.api_keys
	ReadTimeout            time.Duration
	StorageRetryMaxBackoff time.Duration
	// Gate and HoldAt hold jobs of the held generators (see held).
	Gate   string
	HoldAt int
}

// serviceHelper runs a whole tailsynth service in this process.
func serviceHelper(raw string) {
	var h helperConfig
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		panic(err)
	}
	cfg := configs.Default()
	cfg.DataDir = h.DataDir
	cfg.Storage.LocalRoots = []string{h.Root}
	cfg.Storage.DefaultOutput = "s3://" + h.Bucket + "/runs"
	if h.Output != "" {
		cfg.Storage.DefaultOutput = h.Output
	}
	if h.S3Endpoint != "" {
		cfg.Storage.S3 = configs.S3{Endpoint: h.S3Endpoint, AccessKey: h.S3Access, SecretKey: h.S3Secret, BucketLookup: "path",
			Region: "us-east-1", PartSizeMiB: 16, AllowedBuckets: []string{h.Bucket}}
	}
	cfg.Jobs.Database = h.Database
	cfg.Jobs.Workers = 1
	cfg.Server.APIKeys = h.APIKeys
	if h.ReadTimeout > 0 {
		cfg.Server.ReadTimeout = h.ReadTimeout
	}
	if h.StorageRetryMaxBackoff > 0 {
		cfg.Jobs.StorageRetryMaxBackoff = h.StorageRetryMaxBackoff
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := service.New(ctx, cfg, log, "test", counted{log: h.Log},
		held{Generator: generators.Oversample{}, name: "held-oversample", gate: h.Gate, at: h.HoldAt},
		held{Generator: augmentgen.Generator{}, name: "held-augment", gate: h.Gate, at: h.HoldAt})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println("LISTEN", ln.Addr().String())
	go func() { // stop when the parent closes our stdin
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := svc.Serve(ctx, ln); err != nil {
		fmt.Println("ERROR", err)
	}
}

// serviceProc is a whole tailsynth service in a child process (this test
// binary, running serviceHelper): what `tailsynth serve` runs, with the
// tests' generators beside the built-in ones.
type serviceProc struct {
	Addr  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	log   string        // its stderr: warnings and errors
	done  chan struct{} // closed when the process has exited
}

// startService starts a service process configured by h and waits until
// it listens. It is stopped when the test ends (gracefully, killed after
// 15s), and its log is shown if the test failed.
func startService(t *testing.T, h helperConfig) *serviceProc {
	t.Helper()
	raw, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.CreateTemp(t.TempDir(), "service-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TAILSYNTH_SERVICE_HELPER="+string(raw))
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serviceProc{cmd: cmd, stdin: stdin, log: logf.Name(), done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTEN "); ok {
				addr <- a
				break
			}
			fmt.Fprintln(logf, "stdout:", sc.Text())
		}
		close(addr)
		io.Copy(io.Discard, out)
		cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("log of the service process %s (pid %d):\n%s", p.Addr, cmd.Process.Pid, b)
		}
	})
	a, ok := <-addr
	if !ok {
		<-p.done
		t.Fatalf("the service process exited before it listened (%v); its log follows", cmd.ProcessState)
	}
	p.Addr = a
	return p
}

// Kill kills the process without warning (SIGKILL, kill -9) and waits
// until it is gone.
func (p *serviceProc) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// Stop stops the process gracefully (closing its stdin), killing it if it
// has not stopped within 15s.
func (p *serviceProc) Stop() {
	p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.Kill()
	}
}

func writeDataset(t *testing.T, dir string) {
	for class, n := range map[string]int{"common": 12, "rare": 2} {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 4, 4))
			img.Pix[0] = uint8(i)
			f, _ := os.Create(filepath.Join(dir, class, fmt.Sprintf("%d.png", i)))
			png.Encode(f, img)
			f.Close()
		}
	}
}

// TestTwoProcessesOneQueue runs two service processes on one PostgreSQL
// queue and one S3 bucket: both serve the API, and each job runs exactly
// once.
func TestTwoProcessesOneQueue(t *testing.T) {
	database := testpg.NewDatabase(t)
	s3 := storagetest.S3(t)
	bucket := s3.NewBucket(t)
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"))
	execLog := filepath.Join(root, "executions.log")

	var addrs []string
	for i := range 2 {
		p := startService(t, helperConfig{DataDir: filepath.Join(root, fmt.Sprintf("p%d", i)), Root: root, Database: database,
			S3Endpoint: "http://" + s3.Endpoint, S3Access: s3.AccessKey, S3Secret: s3.SecretKey, Bucket: bucket, Log: execLog})
		addrs = append(addrs, p.Addr)
	}

	const n = 8
	ids := make([]string, n)
	for i := range n {
		body := fmt.Sprintf(`{"dataset": "%s/ds", "generator": "counted", "seed": %d}`, root, i+1)
		resp, err := http.Post("http://"+addrs[i%2]+"/v1/jobs", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Job struct{ ID string } `json:"job"`
		}
		json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if resp.StatusCode != 202 || r.Job.ID == "" {
			t.Fatalf("submit to process %d: %d", i%2, resp.StatusCode)
		}
		ids[i] = r.Job.ID
	}
	workers := map[string]int{}
	var mu sync.Mutex
	deadline := time.Now().Add(60 * time.Second)
	for i, id := range ids {
		for { // ask the process that did NOT take the submit
			resp, err := http.Get("http://" + addrs[(i+1)%2] + "/v1/jobs/" + id)
			if err != nil {
				t.Fatal(err)
			}
			var j struct {
				State, Worker, Error string
				Attempts             int
			}
			json.NewDecoder(resp.Body).Decode(&j)
			resp.Body.Close()
			if j.State == "succeeded" {
				if j.Attempts != 1 {
					t.Errorf("job %s took %d attempts, want 1", id, j.Attempts)
				}
				mu.Lock()
				workers[j.Worker]++
				mu.Unlock()
				break
			}
			if j.State == "failed" || j.State == "cancelled" || time.Now().After(deadline) {
				t.Fatalf("job %s: %s (%s)", id, j.State, j.Error)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	b, _ := os.ReadFile(execLog)
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		seed, _, _ := strings.Cut(line, " ")
		count[seed]++
	}
	for i := range n {
		if c := count[fmt.Sprint(i+1)]; c != 1 {
			t.Errorf("job with seed %d ran %d times, want exactly once", i+1, c)
		}
	}
	if len(workers) != 2 {
		t.Errorf("jobs ran on %v; want both processes to take jobs", workers)
	}
	// Every output is complete in the shared bucket.
	checkOutputs(t, s3, bucket, ids)
}

func checkOutputs(t *testing.T, s3 *storagetest.S3Server, bucket string, ids []string) {
	t.Helper()
	cfg := s3.Config()
	for _, id := range ids {
		st, err := storeFor(cfg, bucket)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Stat(context.Background(), "runs/"+id+"/_SUCCESS"); err != nil {
			t.Errorf("job %s: no completion marker in the bucket: %v", id, err)
		}
	}
}
