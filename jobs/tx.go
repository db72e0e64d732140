package jobs

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// tx is one database transaction holding our rows and River's jobs
// together: a job's record and its River job commit, or roll back, as one.
// River's writes go through River's client (InsertTx, JobCancelTx); no
// code here writes River's tables.
type tx interface {
	// exec runs a statement ("?" placeholders) and returns the rows it
	// changed.
	exec(ctx context.Context, query string, args ...any) (int64, error)
	queryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error }
	// insertJob inserts a River job and returns its id.
	insertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
	// cancelJob asks River to cancel a job: one not running ends at once,
	// a running one is told to stop. River's row is returned.
	cancelJob(ctx context.Context, id int64) (*rivertype.JobRow, error)
}

// errRollback ends inTx's function without an error of its own: the
// transaction rolls back and inTx returns nil.
var errRollback = errors.New("roll back")

// inTx runs fn in a transaction on whichever database the engine uses,
// and commits unless fn fails.
func (e *Engine) inTx(ctx context.Context, fn func(tx) error) error {
	return e.begin(ctx, fn)
}

// sqliteTx is a transaction on the embedded SQLite database.
type sqliteTx struct {
	tx     *sql.Tx
	client *river.Client[*sql.Tx]
}

func (t sqliteTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t sqliteTx) queryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t sqliteTx) insertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := t.client.InsertTx(ctx, t.tx, args, opts)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

func (t sqliteTx) cancelJob(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return t.client.JobCancelTx(ctx, t.tx, id)
}

func sqliteBegin(d *sql.DB, client *river.Client[*sql.Tx]) func(context.Context, func(tx) error) error {
	return func(ctx context.Context, fn func(tx) error) error {
		stx, err := d.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(sqliteTx{stx, client}); err != nil {
			_ = stx.Rollback()
			if errors.Is(err, errRollback) {
				return nil
			}
			return err
		}
		return stx.Commit()
	}
}

// pgTx is a transaction on a shared PostgreSQL database, through pgx
// (River's PostgreSQL driver takes pgx transactions).
type pgTx struct {
	tx     pgx.Tx
	client *river.Client[pgx.Tx]
	q      func(string) string
}

func (t pgTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, t.q(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (t pgTx) queryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	return t.tx.QueryRow(ctx, t.q(query), args...)
}

func (t pgTx) insertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := t.client.InsertTx(ctx, t.tx, args, opts)
	if err != nil {
		return 0, err
	}
	return res.Job.ID, nil
}

func (t pgTx) cancelJob(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return t.client.JobCancelTx(ctx, t.tx, id)
}

func pgBegin(pool *pgxpool.Pool, client *river.Client[pgx.Tx], q func(string) string) func(context.Context, func(tx) error) error {
	return func(ctx context.Context, fn func(tx) error) error {
		ptx, err := pool.Begin(ctx)
		if err != nil {
			return err
		}
		if err := fn(pgTx{ptx, client, q}); err != nil {
			_ = ptx.Rollback(context.WithoutCancel(ctx))
			if errors.Is(err, errRollback) {
				return nil
			}
			return err
		}
		return ptx.Commit(ctx)
	}
}
