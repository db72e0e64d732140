package datasets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/tailsynth/tailsynth/errkind"
)

// Registered is a dataset registered under a name: jobs, plans and
// schedules may name it instead of its location.
type Registered struct {
	Name        string    `json:"name"`
	Location    string    `json:"location"`
	Manifest    string    `json:"manifest,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// DB is the SQL database the registry keeps its names in, with "?"
// placeholders (the job engine's database, which rewrites them for
// PostgreSQL, is one).
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Registry is the dataset-name registry.
type Registry struct {
	db  DB
	now func() time.Time
}

// ErrNotFound is a name that is not registered.
var ErrNotFound = errkind.New(errkind.NotFound, "no dataset is registered under that name")

// NameError is a malformed dataset name.
type NameError struct{ Msg string }

func (e *NameError) Error() string { return e.Msg }

// Kind is errkind.Invalid.
func (e *NameError) Kind() errkind.Kind { return errkind.Invalid }

// ConflictError is a name that is registered already.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

// Kind is errkind.Conflict.
func (e *ConflictError) Kind() errkind.Kind { return errkind.Conflict }

var name = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidName reports whether s can name a dataset: 1 to 64 lower-case
// letters, digits, '.', '_' or '-', starting with a letter or digit (so
// never a path or a URI).
func ValidName(s string) bool { return name.MatchString(s) }

// OpenRegistry opens the registry in db, creating its table when missing;
// now is the clock (nil: time.Now).
func OpenRegistry(ctx context.Context, db DB, now func() time.Time) (*Registry, error) {
	if now == nil {
		now = time.Now
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS tailsynth_datasets (
		name TEXT PRIMARY KEY,
		location TEXT NOT NULL,
		manifest TEXT NOT NULL DEFAULT '',
		description TEXT NOT NULL DEFAULT '',
		created_at BIGINT NOT NULL
	)`); err != nil {
		return nil, fmt.Errorf("dataset registry: %w", err)
	}
	return &Registry{db: db, now: now}, nil
}

// RegisterDataset stores a dataset name; an existing name is a
// *ConflictError, a malformed one a *NameError.
func (r *Registry) RegisterDataset(ctx context.Context, d Registered) (*Registered, error) {
	if !ValidName(d.Name) {
		return nil, &NameError{Msg: fmt.Sprintf("dataset name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", d.Name)}
	}
	conflict := &ConflictError{Msg: fmt.Sprintf("dataset %q is already registered; delete it first or choose another name", d.Name)}
	if _, err := r.GetDataset(ctx, d.Name); err == nil {
		return nil, conflict
	}
	d.CreatedAt = r.now().UTC().Truncate(time.Millisecond)
	if _, err := r.db.ExecContext(ctx, `INSERT INTO tailsynth_datasets (name, location, manifest, description, created_at) VALUES (?, ?, ?, ?, ?)`,
		d.Name, d.Location, d.Manifest, d.Description, d.CreatedAt.UnixMilli()); err != nil {
		if _, gerr := r.GetDataset(ctx, d.Name); gerr == nil {
			return nil, conflict // registered meanwhile by another request
		}
		return nil, err
	}
	return &d, nil
}

// GetDataset returns a registered dataset, or ErrNotFound.
func (r *Registry) GetDataset(ctx context.Context, name string) (*Registered, error) {
	d, err := scanRegistered(r.db.QueryRowContext(ctx, `SELECT name, location, manifest, description, created_at FROM tailsynth_datasets WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return d, err
}

// ListDatasets returns the registered datasets by name.
func (r *Registry) ListDatasets(ctx context.Context) ([]*Registered, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT name, location, manifest, description, created_at FROM tailsynth_datasets ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Registered
	for rows.Next() {
		d, err := scanRegistered(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDataset forgets a dataset name, or says ErrNotFound; its files are
// untouched.
func (r *Registry) DeleteDataset(ctx context.Context, name string) error {
	res, err := r.db.ExecContext(ctx, `DELETE FROM tailsynth_datasets WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func scanRegistered(row interface{ Scan(...any) error }) (*Registered, error) {
	var d Registered
	var created int64
	if err := row.Scan(&d.Name, &d.Location, &d.Manifest, &d.Description, &created); err != nil {
		return nil, err
	}
	d.CreatedAt = time.UnixMilli(created).UTC()
	return &d, nil
}
