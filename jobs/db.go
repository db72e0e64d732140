package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// db wraps the database with the one difference of SQL dialect we meet:
// placeholders ("?" in SQLite, "$n" in PostgreSQL).
type db struct {
	*sql.DB
	postgres bool
}

func (d *db) q(query string) string {
	if !d.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *db) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.ExecContext(ctx, d.q(query), args...)
}

func (d *db) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.QueryContext(ctx, d.q(query), args...)
}

func (d *db) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return d.QueryRowContext(ctx, d.q(query), args...)
}

var schema = []string{
	`CREATE TABLE IF NOT EXISTS tailsynth_jobs (
		id TEXT PRIMARY KEY,
		idempotency_key TEXT UNIQUE,
		request_hash TEXT NOT NULL DEFAULT '',
		spec TEXT NOT NULL,
		generator TEXT NOT NULL,
		state TEXT NOT NULL,
		river_id BIGINT,
		schedule_id TEXT,
		progress TEXT,
		result TEXT,
		error TEXT,
		attempts INTEGER NOT NULL DEFAULT 0,
		worker TEXT,
		cancel_requested INTEGER NOT NULL DEFAULT 0,
		created_at BIGINT NOT NULL,
		started_at BIGINT,
		finished_at BIGINT,
		heartbeat_at BIGINT,
		updated_at BIGINT NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS tailsynth_jobs_created ON tailsynth_jobs (created_at, id)`,
	`CREATE INDEX IF NOT EXISTS tailsynth_jobs_state ON tailsynth_jobs (state)`,
	`CREATE TABLE IF NOT EXISTS tailsynth_schedules (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		cron TEXT NOT NULL,
		template TEXT NOT NULL,
		only_if_changed INTEGER NOT NULL DEFAULT 0,
		last_fingerprint TEXT NOT NULL DEFAULT '',
		next_run_at BIGINT NOT NULL,
		last_run_at BIGINT,
		last_job_id TEXT,
		last_skip_reason TEXT,
		created_at BIGINT NOT NULL
	)`,
}

// columns added to tailsynth_jobs after its first release: job kinds
// (generation jobs have kind 'generate' and no kind_request); a job's
// wait for storage (see StorageWait; milliseconds like the other times);
// how often it was retried; whether Check is still to run on it.
var addedJobColumns = []struct{ name, def string }{
	{"kind", "TEXT NOT NULL DEFAULT 'generate'"},
	{"kind_request", "TEXT"},
	{"storage_wait_since", "BIGINT"},
	{"storage_waits", "INTEGER NOT NULL DEFAULT 0"},
	{"storage_wait_until", "BIGINT"},
	{"retry_count", "INTEGER NOT NULL DEFAULT 0"},
	{"check_pending", "INTEGER NOT NULL DEFAULT 0"},
}

// columns added to tailsynth_schedules after its first release: whether
// a run may start while the previous one is still going.
var addedScheduleColumns = []struct{ name, def string }{
	{"overlap", "INTEGER NOT NULL DEFAULT 0"},
}

// rebound is the database with "?" placeholders rewritten for PostgreSQL,
// for the tables of other packages (the dataset registry) that share it.
type rebound struct{ d *db }

func (r rebound) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.d.exec(ctx, query, args...)
}

func (r rebound) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.d.query(ctx, query, args...)
}

func (r rebound) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.d.queryRow(ctx, query, args...)
}

func (d *db) migrate(ctx context.Context) error {
	for _, s := range schema {
		if _, err := d.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	for _, t := range []struct {
		table   string
		columns []struct{ name, def string }
	}{{"tailsynth_jobs", addedJobColumns}, {"tailsynth_schedules", addedScheduleColumns}} {
		for _, c := range t.columns {
			if err := d.addColumn(ctx, t.table, c.name, c.def); err != nil {
				return err
			}
		}
	}
	return nil
}

// addColumn adds a column to table unless it is there.
func (d *db) addColumn(ctx context.Context, table, name, def string) error {
	if d.postgres {
		// IF NOT EXISTS: processes sharing the database may migrate at once.
		if _, err := d.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN IF NOT EXISTS `+name+` `+def); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, name, err)
		}
		return nil
	}
	// SQLite has no ADD COLUMN IF NOT EXISTS; one process owns the file.
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('`+table+`') WHERE name = ?`, name).Scan(&n); err != nil {
		return fmt.Errorf("inspect %s: %w", table, err)
	}
	if n == 0 {
		if _, err := d.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+name+` `+def); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, name, err)
		}
	}
	return nil
}
