package jobs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// riverJob is a row of River's job table, read (never written) by the
// tests.
type riverJob struct {
	ID    int64
	Kind  string
	State string
	JobID string
}

// riverJobs lists River's jobs in the SQLite database under root.
func riverJobs(t *testing.T, root string) []riverJob {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(root, "state", "tailsynth.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, kind, state, json(args) FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []riverJob
	for rows.Next() {
		var r riverJob
		var args string
		if err := rows.Scan(&r.ID, &r.Kind, &r.State, &args); err != nil {
			t.Fatal(err)
		}
		var a struct {
			JobID string `json:"job_id"`
		}
		json.Unmarshal([]byte(args), &a)
		r.JobID = a.JobID
		out = append(out, r)
	}
	return out
}

func execOn(t *testing.T, root, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(root, "state", "tailsynth.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// startEngine starts an engine on root with config's changes; the test's
// end stops it.
func startEngine(t *testing.T, root string, gen *slowGen, config func(*jobs.Config)) *env {
	t.Helper()
	eng := newEngineWith(t, root, gen, engineOptions{config: config})
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Stop(context.Background())
		eng.Close()
	})
	return &env{root: root, gen: gen, eng: eng}
}

// A job's record and its River job are written in one transaction: when
// either write fails, neither is kept, so no job is recorded without being
// queued (nothing needs to sweep for such jobs) and none is queued
// without its record.
func TestRecordAndRiverJobInOneTransaction(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 10, "small": 5})
	eng := newEngine(t, root, &slowGen{}, "")
	defer eng.Close()
	ctx := context.Background()
	e := &env{root: root, eng: eng}

	// River refuses the job: the record goes too.
	execOn(t, root, `CREATE TRIGGER refuse_river BEFORE INSERT ON river_job BEGIN SELECT RAISE(ABORT, 'river refuses'); END`)
	if _, _, err := eng.Submit(ctx, e.spec("oversample"), "", ""); err == nil {
		t.Fatal("submit succeeded although River refused its job")
	}
	if list, _, err := eng.List(ctx, jobs.ListOptions{}); err != nil || len(list) != 0 {
		t.Fatalf("after River refused the job: %d jobs recorded (%v), want none", len(list), err)
	}
	execOn(t, root, `DROP TRIGGER refuse_river`)

	// The record is refused: River's job goes too.
	execOn(t, root, `CREATE TRIGGER refuse_record BEFORE INSERT ON tailsynth_jobs BEGIN SELECT RAISE(ABORT, 'record refused'); END`)
	if _, _, err := eng.Submit(ctx, e.spec("oversample"), "", ""); err == nil {
		t.Fatal("submit succeeded although its record was refused")
	}
	if rj := riverJobs(t, root); len(rj) != 0 {
		t.Fatalf("after the record was refused: River holds %v, want no job", rj)
	}
	execOn(t, root, `DROP TRIGGER refuse_record`)

	j, _, err := eng.Submit(ctx, e.spec("oversample"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if rj := riverJobs(t, root); len(rj) != 1 || rj[0].JobID != j.ID || rj[0].State != "available" {
		t.Fatalf("River holds %+v, want one available job for %s", rj, j.ID)
	}
}

// Each job kind has its own River arguments and worker.
func TestEachKindItsOwnRiverJob(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 10, "small": 5})
	e := startEngine(t, root, &slowGen{}, func(c *jobs.Config) {
		c.Evaluator = &fakeEvaluator{runs: make(chan string, 10)}
	})
	eng, ctx := e.eng, context.Background()
	g, _, err := eng.Submit(ctx, e.spec("oversample"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	ev, _, err := eng.SubmitEvaluation(ctx, generators.Spec{Dataset: "file:///ds", Output: "file:///out", Seed: 1}, json.RawMessage(`{"methods":[{"generator":"oversample"}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{g.ID, ev.ID} {
		if j := waitState(t, eng, id, jobs.StateSucceeded, jobs.StateFailed); j.State != jobs.StateSucceeded {
			t.Fatalf("job %s: %s (%s)", id, j.State, j.Error)
		}
	}
	kinds := map[string]string{}
	for _, r := range riverJobs(t, root) {
		kinds[r.JobID] = r.Kind
	}
	if kinds[g.ID] != (jobs.GenerateArgs{}).Kind() || kinds[ev.ID] != (jobs.EvaluateArgs{}).Kind() {
		t.Errorf("River kinds %v, want %s for the generation and %s for the evaluation", kinds, (jobs.GenerateArgs{}).Kind(), (jobs.EvaluateArgs{}).Kind())
	}
}

// A job whose worker stops heartbeating is taken for dead and runs again
// under a new River job, and River is asked to cancel the old one. If the
// old attempt was in fact alive, it is stopped by that cancel and, its River
// job no longer the job's, records nothing: the job is never shown
// cancelled and ends with the new attempt.
func TestRescuedAttemptIsFenced(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 30, "small": 5})
	gen := &slowGen{}
	gen.blockFirst.Store(true)
	e := startEngine(t, root, gen, func(c *jobs.Config) {
		c.Heartbeat = time.Hour // the first attempt never heartbeats: it is taken for dead
		c.StaleAfter = time.Second
	})
	eng, ctx := e.eng, context.Background()
	j, _, err := eng.Submit(ctx, e.spec("slow"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		cur, err := eng.Get(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen[cur.State] = true
		if jobs.Terminal(cur.State) {
			j = cur
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", cur.State)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if j.State != jobs.StateSucceeded || j.Attempts != 2 || seen[jobs.StateCancelled] {
		t.Fatalf("job %s after %d attempts (%s), states seen %v; want succeeded after 2, never cancelled", j.State, j.Attempts, j.Error, seen)
	}
	// River's jobs: the first cancelled (once its attempt returned), the
	// second completed.
	deadline = time.Now().Add(10 * time.Second)
	for {
		rj := riverJobs(t, root)
		if len(rj) == 2 && rj[0].State == "cancelled" && rj[1].State == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("River's jobs %+v, want the first cancelled and the second completed", rj)
		}
		time.Sleep(50 * time.Millisecond)
	}
	files, _ := filepath.Glob(filepath.Join(root, "out", j.ID, "data", "small", "*.png"))
	if len(files) != 25 {
		t.Errorf("%d samples, want 25", len(files))
	}
}

// riverSQL matches SQL naming one of River's tables.
var riverSQL = regexp.MustCompile(`(?i)\b(from|update|into|join|table|exists)\s+river_`)

// No code of the package writes River's tables by hand: River's rows
// change through River's client only (Insert, JobCancel, its rescuer).
func TestNoSQLOnRiverTables(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && riverSQL.MatchString(lit.Value) {
				t.Errorf("%s: SQL on River's tables: %s", name, lit.Value)
			}
			return true
		})
	}
}

// blockingStore, once armed, holds every listing that reaches a key under
// prefix until ctx ends, and says when it first does.
type blockingStore struct {
	storage.Store
	prefix  string
	armed   *atomic.Bool
	blocked chan struct{}
	once    *sync.Once
}

func (s blockingStore) List(ctx context.Context, prefix string, opts storage.ListOptions) iter.Seq2[storage.ObjectInfo, error] {
	return func(yield func(storage.ObjectInfo, error) bool) {
		for o, err := range s.Store.List(ctx, prefix, opts) {
			if err == nil && s.armed.Load() && strings.HasPrefix(o.Key, s.prefix) {
				s.once.Do(func() { close(s.blocked) })
				<-ctx.Done()
				yield(storage.ObjectInfo{}, ctx.Err())
				return
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// A schedule whose dataset scan hangs (slow storage, only_if_changed) does
// not hold up the rescue of a dead worker's job.
func TestSlowScheduleDoesNotHoldUpRescue(t *testing.T) {
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "ds"), map[string]int{"big": 30, "small": 5})
	writeDataset(t, filepath.Join(root, "ds2"), map[string]int{"sched": 3, "other": 6})
	blocked := make(chan struct{})
	var once sync.Once
	var armed atomic.Bool
	gen := &slowGen{}
	gen.blockFirst.Store(true)
	eng := newEngineWith(t, root, gen, engineOptions{
		wrap: func(st storage.Store) storage.Store { return blockingStore{st, "sched/", &armed, blocked, &once} },
		config: func(c *jobs.Config) {
			c.Heartbeat = time.Hour // the first attempt never heartbeats: it is taken for dead
			c.StaleAfter = time.Second
		},
	})
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Stop(context.Background())
		eng.Close()
	})
	ctx := context.Background()
	tmpl := generators.Spec{Dataset: root + "/ds2", Generator: "oversample", Seed: 1, Output: root + "/out"}
	if _, err := eng.CreateSchedule(ctx, jobs.Schedule{Name: "slow", Cron: "@every 1s", Template: tmpl, OnlyIfChanged: true}); err != nil {
		t.Fatal(err)
	}
	armed.Store(true) // the schedule's runs scan the dataset from now on, and hang there
	select {
	case <-blocked:
	case <-time.After(10 * time.Second):
		t.Fatal("the schedule never scanned its dataset")
	}
	e := &env{root: root, eng: eng}
	j, _, err := eng.Submit(ctx, e.spec("slow"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if j = waitState(t, eng, j.ID, jobs.StateSucceeded, jobs.StateFailed); j.State != jobs.StateSucceeded || j.Attempts != 2 {
		t.Fatalf("job %s after %d attempts (%s); want succeeded after 2 (the dead attempt rescued while the schedule's scan hangs)", j.State, j.Attempts, j.Error)
	}
}
