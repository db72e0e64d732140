package jobs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/internal/testpg"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/s3store"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) {
	if os.Getenv("TAILSYNTH_JOBS_CRASH_HELPER") != "" {
		crashHelper()
		return
	}
	os.Exit(testpg.Main(storagetestMain{m}))
}

type storagetestMain struct{ m *testing.M }

func (s storagetestMain) Run() int { return storagetest.Main(s.m) }

// slowGen is oversample with a delay per sample, and a gate that can hold
// samples back.
type slowGen struct {
	generators.Oversample
	delay   time.Duration
	started chan string
	fail    atomic.Int32 // fail this many Start calls with a transient error
	// hold, when set, holds sample holdFrom and later ones back until it
	// is closed (or the run is cancelled).
	hold     chan struct{}
	holdFrom int
	// blockFirst, when set, makes the next run block until it is
	// cancelled (the runs after it do not).
	blockFirst atomic.Bool
}

func (g *slowGen) Info() generators.Info {
	i := g.Oversample.Info()
	i.Name = "slow"
	return i
}

func (g *slowGen) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	if g.fail.Load() > 0 {
		g.fail.Add(-1)
		return nil, errors.New("transient failure")
	}
	if g.started != nil {
		select {
		case g.started <- "started":
		default:
		}
	}
	r, err := g.Oversample.Start(ctx, env)
	if err != nil {
		return nil, err
	}
	return slowRun{r, g, g.blockFirst.CompareAndSwap(true, false)}, nil
}

type slowRun struct {
	generators.Run
	g     *slowGen
	block bool
}

func (r slowRun) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	if r.block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if r.g.hold != nil && i >= r.g.holdFrom {
		select {
		case <-r.g.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case <-time.After(r.g.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return r.Run.Generate(ctx, class, i)
}

func writeDataset(t testing.TB, dir string, counts map[string]int) {
	for class, n := range counts {
		os.MkdirAll(filepath.Join(dir, class), 0o755)
		for i := range n {
			img := image.NewGray(image.Rect(0, 0, 4, 4))
			img.Pix[0] = uint8(i)
			img.Pix[1] = uint8(len(class))
			f, err := os.Create(filepath.Join(dir, class, fmt.Sprintf("%03d.png", i)))
			if err != nil {
				t.Fatal(err)
			}
			png.Encode(f, img)
			f.Close()
		}
	}
}

type env struct {
	root string
	gen  *slowGen
	eng  *jobs.Engine
}

func newEngine(t testing.TB, root string, gen *slowGen, database string) *jobs.Engine {
	return newEngineWith(t, root, gen, engineOptions{database: database})
}

// engineOptions vary the engine the tests build.
type engineOptions struct {
	database string
	// s3 and buckets let the pipeline open S3 locations.
	s3      *s3store.Config
	buckets []string
	// wrap, if set, wraps every store the pipeline opens.
	wrap func(storage.Store) storage.Store
	// config adjusts the engine's configuration.
	config func(*jobs.Config)
}

func newEngineWith(t testing.TB, root string, gen *slowGen, o engineOptions) *jobs.Engine {
	t.Helper()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}, S3: o.s3, AllowedBuckets: o.buckets})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	reg.Register(generators.Oversample{})
	reg.Register(gen)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TAILSYNTH_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	p := &pipeline.Pipeline{Registry: reg, Log: log, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		if err == nil && o.wrap != nil {
			st = o.wrap(st)
		}
		return st, err
	}}
	cfg := jobs.Config{
		Database: o.database, DataDir: filepath.Join(root, "state"), Pipeline: p, Log: log, MaxSamples: 1000,
		Heartbeat: 100 * time.Millisecond, StaleAfter: 2 * time.Second, PollInterval: 50 * time.Millisecond,
		RetryBackoff: func(int) time.Duration { return 100 * time.Millisecond },
	}
	if o.config != nil {
		o.config(&cfg)
	}
	eng, err := jobs.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func setup(t *testing.T) *env { return setupDB(t, "") }

func setupDB(t *testing.T, database string) *env {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 30, "small": 5})
	e := &env{root: root, gen: &slowGen{started: make(chan string, 4)}}
	e.eng = newEngine(t, root, e.gen, database)
	if err := e.eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.eng.Stop(ctx)
		e.eng.Close()
	})
	return e
}

func (e *env) spec(gen string) generators.Spec {
	return generators.Spec{Dataset: e.root + "/ds", Generator: gen, Strategy: generators.Strategy{Mode: "auto"}, Seed: 1, Output: e.root + "/out"}
}

func waitState(t *testing.T, eng *jobs.Engine, id string, want ...string) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := eng.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(want, j.State) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s (%s), want %v", id, j.State, j.Error, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSubmitRuns(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := e.eng.Check(ctx, e.spec("oversample")); err != nil {
		t.Fatal(err)
	}
	j, created, err := e.eng.Submit(ctx, e.spec("oversample"), "", "")
	if err != nil || !created {
		t.Fatal(err, created)
	}
	j = waitState(t, e.eng, j.ID, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded || j.Result.Files != 25 || j.Attempts != 1 {
		t.Fatalf("job %+v", j)
	}
	if j.Progress == nil || j.Progress.Classes["small"].Done != 25 {
		t.Errorf("final progress %+v, want small 25/25", j.Progress)
	}
	if _, err := os.Stat(filepath.Join(e.root, "out", j.ID, "_SUCCESS")); err != nil {
		t.Error(err)
	}
}

func TestIdempotentSubmit(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	a, created, err := e.eng.Submit(ctx, e.spec("oversample"), "key-1", "")
	if err != nil || !created {
		t.Fatal(err)
	}
	b, created, err := e.eng.Submit(ctx, e.spec("oversample"), "key-1", "")
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("retried submit = %v created=%v err=%v, want job %s", b, created, err, a.ID)
	}
	other := e.spec("oversample")
	other.Seed = 99
	_, _, err = e.eng.Submit(ctx, other, "key-1", "")
	var ce *jobs.ConflictError
	if !errors.As(err, &ce) {
		t.Errorf("same key, other request: error %v, want ConflictError", err)
	}
	waitState(t, e.eng, a.ID, jobs.StateSucceeded)
	list, _, err := e.eng.List(ctx, jobs.ListOptions{})
	if err != nil || len(list) != 1 {
		t.Errorf("%d jobs listed (%v), want 1", len(list), err)
	}
}

func TestCancelRunning(t *testing.T) {
	e := setup(t)
	e.gen.delay = 200 * time.Millisecond
	ctx := context.Background()
	j, _, err := e.eng.Submit(ctx, e.spec("slow"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, e.eng, j.ID, jobs.StateRunning)
	if _, err := e.eng.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	j = waitState(t, e.eng, j.ID, jobs.StateCancelled, jobs.StateSucceeded)
	if j.State != jobs.StateCancelled {
		t.Fatalf("state %s, want cancelled", j.State)
	}
	if _, err := os.Stat(filepath.Join(e.root, "out", j.ID, "_SUCCESS")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled job has a completion marker: %v", err)
	}
}

func TestRetryThenFail(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	e.gen.fail.Store(1) // first attempt fails, second succeeds
	j, _, _ := e.eng.Submit(ctx, e.spec("slow"), "", "")
	j = waitState(t, e.eng, j.ID, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded || j.Attempts != 2 {
		t.Errorf("after one transient failure: %s after %d attempts, want succeeded after 2", j.State, j.Attempts)
	}
	e.gen.fail.Store(10)
	j, _, _ = e.eng.Submit(ctx, e.spec("slow"), "", "")
	j = waitState(t, e.eng, j.ID, jobs.StateFailed)
	if j.Attempts != 3 || !strings.Contains(j.Error, "failed after 3 attempts: ") {
		t.Errorf("always failing: %d attempts, error %q", j.Attempts, j.Error)
	}
}

func TestBadRequests(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	// Files, but none a sample.
	if err := os.MkdirAll(e.root+"/notes/a", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.root+"/notes/a/readme.txt", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		mod  func(*generators.Spec)
		want string
	}{
		{func(s *generators.Spec) { s.Generator = "nope" }, `unknown generator "nope"`},
		{func(s *generators.Spec) { s.Params = json.RawMessage(`{"bogus":1}`) }, `unknown parameter "bogus"`},
		{func(s *generators.Spec) { s.Dataset = "/etc" }, "outside the allowed local roots"},
		{func(s *generators.Spec) { s.Output = e.root + "/ds/out" }, "inside the dataset"},
		{func(s *generators.Spec) {
			s.Strategy = generators.Strategy{Mode: "counts", Counts: map[string]int{"unicorn": 3}}
		}, `class "unicorn"`},
		{func(s *generators.Spec) {
			s.Strategy = generators.Strategy{Mode: "add", Add: map[string]int{"small": 5000}}
		}, "jobs.max_samples"},
		{func(s *generators.Spec) { s.Dataset = e.root + "/nothing" }, "/nothing: not found: there are no files"},
		{func(s *generators.Spec) { s.Dataset = e.root + "/notes" }, "holds no samples"},
	}
	for _, c := range cases {
		s := e.spec("oversample")
		c.mod(&s)
		if _, err := e.eng.Check(ctx, s); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check: error %v, want %q", err, c.want)
		}
	}
}

// crashHelper runs in a child process: it starts a slow job, says so, and
// waits to be killed.
func crashHelper() {
	root := os.Getenv("TAILSYNTH_JOBS_CRASH_HELPER")
	t := &testing.T{}
	gen := &slowGen{delay: 100 * time.Millisecond, started: make(chan string, 1)}
	eng := newEngine(t, root, gen, os.Getenv("TAILSYNTH_JOBS_CRASH_DB"))
	if err := eng.Start(context.Background()); err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	s := generators.Spec{Dataset: root + "/ds", Generator: "slow", Strategy: generators.Strategy{Mode: "auto"}, Seed: 5, Output: root + "/out"}
	j, _, err := eng.Submit(context.Background(), s, "", "")
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	<-gen.started
	fmt.Println("RUNNING", j.ID)
	select {}
}

// TestCrashRestart kills a service process (SIGKILL) in the middle of a job
// and starts another on the same data directory: the job runs again and
// completes, with every sample once under its one name.
func TestCrashRestart(t *testing.T) { crashRestart(t, "") }

// TestCrashRestartPostgres is the same on a shared PostgreSQL queue, where
// the dead worker is found by its stale heartbeat.
func TestCrashRestartPostgres(t *testing.T) { crashRestart(t, testpg.NewDatabase(t)) }

func crashRestart(t *testing.T, database string) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 40, "small": 5})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TAILSYNTH_JOBS_CRASH_HELPER="+root, "TAILSYNTH_JOBS_CRASH_DB="+database)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	var id string
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "RUNNING" {
			id = f[1]
			break
		}
		t.Log("child:", sc.Text())
	}
	if id == "" {
		cmd.Process.Kill()
		t.Fatal("the child never started its job")
	}
	// Let it write some samples, then kill it without warning.
	deadline := time.Now().Add(20 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(root, "out", id, "data", "small", "*.png"))
		if len(files) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(root, "out", id, "_SUCCESS")); err == nil {
		t.Fatal("the job finished before the kill; the test proves nothing")
	}

	gen := &slowGen{}
	eng := newEngine(t, root, gen, database)
	defer eng.Close()
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer eng.Stop(context.Background())
	j := waitState(t, eng, id, jobs.StateSucceeded, jobs.StateFailed)
	if j.State != jobs.StateSucceeded || j.Attempts != 2 {
		t.Fatalf("after the restart: %s after %d attempts (%s), want succeeded after 2", j.State, j.Attempts, j.Error)
	}
	files, _ := filepath.Glob(filepath.Join(root, "out", id, "data", "small", "*.png"))
	if len(files) != 35 {
		t.Errorf("%d samples on disk, want 35 (each once)", len(files))
	}
	b, _ := os.ReadFile(filepath.Join(root, "out", id, "metadata.jsonl"))
	if n := strings.Count(string(b), "\n"); n != 35 {
		t.Errorf("%d metadata rows, want 35", n)
	}
}

// TestPostgresSubmitAndCancel runs the basic paths on PostgreSQL.
func TestPostgresSubmitAndCancel(t *testing.T) {
	e := setupDB(t, testpg.NewDatabase(t))
	ctx := context.Background()
	j, _, err := e.eng.Submit(ctx, e.spec("oversample"), "k", "")
	if err != nil {
		t.Fatal(err)
	}
	if j = waitState(t, e.eng, j.ID, jobs.StateSucceeded, jobs.StateFailed); j.State != jobs.StateSucceeded || j.Result.Files != 25 {
		t.Fatalf("job %+v", j)
	}
	e.gen.delay = 200 * time.Millisecond
	j, _, _ = e.eng.Submit(ctx, e.spec("slow"), "", "")
	waitState(t, e.eng, j.ID, jobs.StateRunning)
	e.eng.Cancel(ctx, j.ID)
	if j = waitState(t, e.eng, j.ID, jobs.StateCancelled, jobs.StateSucceeded); j.State != jobs.StateCancelled {
		t.Errorf("state %s, want cancelled", j.State)
	}
}
