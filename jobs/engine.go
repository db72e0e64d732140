package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators/pipeline"
)

// Queues: light generators share one, GAN training has its own so that it
// cannot starve the others and runs HeavyWorkers at a time.
const (
	QueueLight = "light"
	QueueHeavy = "heavy"
)

// Config configures the engine.
type Config struct {
	// Database is "" or a SQLite file path (default
	// <DataDir>/tailsynth.db), or a postgres:// URL.
	Database string
	DataDir  string
	// Workers and HeavyWorkers bound concurrent jobs per queue.
	Workers, HeavyWorkers int
	// MaxAttempts is how often a job is tried before it fails.
	MaxAttempts int
	// MaxSamples bounds the samples one job may ask for.
	MaxSamples int
	// MinScheduleInterval is the shortest time a schedule may leave
	// between two runs ("@every 1s" would flood the queue); 0 sets no
	// floor.
	MinScheduleInterval time.Duration
	Pipeline            *pipeline.Pipeline
	// Evaluator runs evaluation jobs; nil refuses them.
	Evaluator Evaluator
	Log       *slog.Logger
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time
	// Heartbeat is how often a running job records progress and checks
	// for cancellation (default 1s); StaleAfter is how old a heartbeat may
	// get before the job is taken for dead (default 30s).
	Heartbeat, StaleAfter time.Duration
	// RetryBackoff is the delay before retry n (default n^4 seconds, as
	// River's).
	RetryBackoff func(attempt int) time.Duration
	// PollInterval is how often idle workers look for jobs (default 1s;
	// PostgreSQL also wakes them by LISTEN/NOTIFY).
	PollInterval time.Duration
	// StorageRetryWindow is how long a job waits for storage that does
	// not answer (storage.ErrUnavailable) before it fails: meanwhile it
	// goes back to the queue without spending an attempt, retried with
	// exponential backoff (1s, 2s, 4s... at most StorageRetryMaxBackoff).
	// Default 10m; negative turns the wait off (storage errors spend
	// attempts like any other). StorageRetryMaxBackoff defaults to 30s.
	StorageRetryWindow, StorageRetryMaxBackoff time.Duration
}

// Defaults of Config's storage wait.
const (
	DefaultStorageRetryWindow     = 10 * time.Minute
	DefaultStorageRetryMaxBackoff = 30 * time.Second
)

// riverClient is what the engine uses of River's client, whichever driver.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	JobGet(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
}

// Engine runs jobs.
type Engine struct {
	cfg   Config
	db    *db
	river riverClient
	// begin runs a function in a transaction that also takes River's
	// writes (see tx).
	begin  func(context.Context, func(tx) error) error
	log    *slog.Logger
	lock   *os.File
	pgPool *pgxpool.Pool

	mu       sync.Mutex
	watchers map[string][]chan struct{}
	stop     context.CancelFunc
	bg       sync.WaitGroup
	marks    sync.WaitGroup // Cancel's end of a cancelled job's output, off the request's path
}

// Open opens (creating and migrating) the database and builds the River
// client. Call Start to run jobs.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.HeavyWorkers <= 0 {
		cfg.HeavyWorkers = 1
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = time.Second
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 30 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.StorageRetryWindow == 0 {
		cfg.StorageRetryWindow = DefaultStorageRetryWindow
	}
	if cfg.StorageRetryMaxBackoff <= 0 {
		cfg.StorageRetryMaxBackoff = DefaultStorageRetryMaxBackoff
	}
	e := &Engine{cfg: cfg, log: cfg.Log, watchers: map[string][]chan struct{}{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, &generateWorker{e: e})
	river.AddWorker(workers, &evaluateWorker{e: e})
	rcfg := &river.Config{
		Logger:      cfg.Log.With("component", "river"),
		Queues:      map[string]river.QueueConfig{QueueLight: {MaxWorkers: cfg.Workers}, QueueHeavy: {MaxWorkers: cfg.HeavyWorkers}},
		Workers:     workers,
		MaxAttempts: cfg.MaxAttempts,
		// Jobs bound themselves (steps, time budgets): a GAN may train
		// for hours, which River's rescuer, judging by the age of an
		// attempt, cannot tell from a dead worker. Liveness is judged by
		// heartbeat (see rescue); River's rescuer finalizes the River
		// jobs that rescue cancelled, StaleAfter after they started.
		JobTimeout:           -1,
		RescueStuckJobsAfter: cfg.StaleAfter,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, river.FetchCooldownDefault),
		RetryPolicy:          retryPolicy{cfg.RetryBackoff},
	}
	var err error
	if strings.HasPrefix(cfg.Database, "postgres://") || strings.HasPrefix(cfg.Database, "postgresql://") {
		err = e.openPostgres(ctx, rcfg)
	} else {
		err = e.openSQLite(ctx, rcfg)
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Engine) openSQLite(ctx context.Context, rcfg *river.Config) error {
	path := e.cfg.Database
	if path == "" {
		path = filepath.Join(e.cfg.DataDir, "tailsynth.db")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("job database directory: %w", err)
	}
	// One process owns a SQLite job database: a second one on the same
	// file would run jobs twice. Share work through PostgreSQL instead.
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("job database lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return fmt.Errorf("job database %s is in use by another tailsynth process; run one process per SQLite database, or share jobs.database: postgres://... between processes", path)
	}
	e.lock = lock
	sqldb, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return err
	}
	sqldb.SetMaxOpenConns(1) // as River's SQLite driver advises
	e.db = &db{DB: sqldb}
	driver := riversqlite.New(sqldb)
	if err := migrateRiver(ctx, driver, e.log); err != nil {
		return err
	}
	client, err := river.NewClient(driver, rcfg)
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	e.river = client
	e.begin = sqliteBegin(sqldb, client)
	return e.db.migrate(ctx)
}

func (e *Engine) openPostgres(ctx context.Context, rcfg *river.Config) error {
	pool, err := pgxpool.New(ctx, e.cfg.Database)
	if err != nil {
		return fmt.Errorf("jobs.database: %w", err)
	}
	e.pgPool = pool
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("jobs.database: cannot reach PostgreSQL (is it running, and is the URL right?): %w", err)
	}
	sqldb, err := sql.Open("pgx", e.cfg.Database)
	if err != nil {
		return err
	}
	e.db = &db{DB: sqldb, postgres: true}
	driver := riverpgxv5.New(pool)
	if err := migrateRiver(ctx, driver, e.log); err != nil {
		return err
	}
	client, err := river.NewClient(driver, rcfg)
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	e.river = client
	e.begin = pgBegin(pool, client, e.db.q)
	return e.db.migrate(ctx)
}

func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log.With("component", "rivermigrate")})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// Start starts the workers, the rescue of jobs whose worker died and the
// schedules.
func (e *Engine) Start(ctx context.Context) error {
	if !e.db.postgres {
		// This process owns the SQLite file: whatever was running died
		// with the previous process.
		if err := e.rescue(ctx, 0); err != nil {
			return err
		}
	}
	if err := e.river.Start(ctx); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.stop = cancel
	e.bg.Go(func() { e.maintain(bg) })
	return nil
}

// Stop stops taking jobs and waits for running ones to stop (their
// contexts are cancelled; they are taken up again after a restart).
func (e *Engine) Stop(ctx context.Context) error {
	if e.stop != nil {
		e.stop()
	}
	e.bg.Wait()
	e.marks.Wait()
	var err error
	if c, ok := e.river.(interface{ StopAndCancel(context.Context) error }); ok {
		err = c.StopAndCancel(ctx)
	}
	return err
}

// Close releases the database.
func (e *Engine) Close() error {
	if e.db != nil {
		e.db.Close()
	}
	if e.pgPool != nil {
		e.pgPool.Close()
	}
	if e.lock != nil {
		e.lock.Close()
	}
	return nil
}

// SQL is the engine's database, for the tables of other packages that
// share it (datasets.Registry): "?" placeholders, rewritten for
// PostgreSQL.
func (e *Engine) SQL() datasets.DB { return rebound{e.db} }

// Ping checks the database.
func (e *Engine) Ping(ctx context.Context) error { return e.db.PingContext(ctx) }

// maintain runs due schedules every second, and rescues the jobs of dead
// workers every StaleAfter/3, in two loops: a schedule that scans a slow
// dataset (only_if_changed) does not hold up the rescue.
func (e *Engine) maintain(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		every(ctx, time.Second, func() {
			if _, err := e.RunDueSchedules(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("running schedules", "err", err)
			}
		})
	})
	every(ctx, e.cfg.StaleAfter/3, func() {
		if err := e.rescue(ctx, e.cfg.StaleAfter); err != nil && ctx.Err() == nil {
			e.log.Warn("rescuing stale jobs", "err", err)
		}
	})
	wg.Wait()
}

// every calls f every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// rescue runs again the jobs whose heartbeat is older than staleAfter: their
// worker died (or lost the database). In one transaction each gets a new
// River job, which becomes the one its record names (river_id: a worker
// whose River job is no longer named writes nothing more and stops), and
// River is asked to cancel the old one; River's rescuer finalizes it.
func (e *Engine) rescue(ctx context.Context, staleAfter time.Duration) error {
	cutoff := ms(e.cfg.Now().Add(-staleAfter))
	rows, err := e.db.query(ctx, `SELECT `+jobColumns+` FROM tailsynth_jobs WHERE state = ? AND (heartbeat_at IS NULL OR heartbeat_at < ?) AND river_id IS NOT NULL`,
		StateRunning, cutoff)
	if err != nil {
		return err
	}
	var list []*Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			rows.Close()
			return err
		}
		list = append(list, j)
	}
	rows.Close()
	for _, j := range list {
		old := j.riverID.Int64
		var rescued int64
		err := e.inTx(ctx, func(t tx) error {
			// The attempts left: the dead one counted.
			id, err := e.insertRiverJob(ctx, t, j, max(1, e.cfg.MaxAttempts-j.Attempts))
			if err != nil {
				return err
			}
			n, err := t.exec(ctx, `UPDATE tailsynth_jobs SET state = ?, river_id = ?, updated_at = ?
				WHERE id = ? AND river_id = ? AND state = ? AND (heartbeat_at IS NULL OR heartbeat_at < ?)`,
				StateQueued, id, ms(e.cfg.Now()), j.ID, old, StateRunning, cutoff)
			if err != nil {
				return err
			}
			if n == 0 {
				return errRollback // it heartbeat, ended or was rescued meanwhile
			}
			if _, err := t.cancelJob(ctx, old); err != nil && !errors.Is(err, river.ErrNotFound) {
				return err
			}
			rescued = id
			return nil
		})
		if err != nil {
			return fmt.Errorf("rescue job %s: %w", j.ID, err)
		}
		if rescued != 0 {
			e.log.Warn("job's worker stopped heartbeating; it will run again", "job", j.ID, "river_job", old, "new_river_job", rescued)
			e.notify(j.ID)
		}
	}
	return nil
}

// Watch returns a channel that receives a value whenever job id changes in
// this process, and a function to stop watching.
func (e *Engine) Watch(id string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	e.mu.Lock()
	e.watchers[id] = append(e.watchers[id], ch)
	e.mu.Unlock()
	return ch, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		list := e.watchers[id]
		for i, c := range list {
			if c == ch {
				e.watchers[id] = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(e.watchers[id]) == 0 {
			delete(e.watchers, id)
		}
	}
}

func (e *Engine) notify(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ch := range e.watchers[id] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

type retryPolicy struct{ backoff func(int) time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	n := job.Attempt
	if p.backoff != nil {
		return time.Now().Add(p.backoff(n))
	}
	return time.Now().Add(time.Duration(n*n*n*n) * time.Second)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var errCancelled = errkind.New(errkind.Canceled, "cancelled by request")
