package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/tailsynth/tailsynth/errkind"
)

// Dataset is a registered dataset: a name for a location.
type Dataset struct {
	Name        string    `json:"name"`
	Location    string    `json:"location"`
	Manifest    string    `json:"manifest,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

var datasetName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// NameError is a malformed dataset name.
type NameError struct{ Msg string }

func (e *NameError) Error() string { return e.Msg }

// Kind is errkind.Invalid.
func (e *NameError) Kind() errkind.Kind { return errkind.Invalid }

// ValidDatasetName reports whether name can name a dataset.
func ValidDatasetName(name string) bool { return datasetName.MatchString(name) }

// RegisterDataset stores a dataset name; an existing name is a
// *ConflictError.
func (e *Engine) RegisterDataset(ctx context.Context, d Dataset) (*Dataset, error) {
	if !ValidDatasetName(d.Name) {
		return nil, &NameError{Msg: fmt.Sprintf("dataset name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", d.Name)}
	}
	if _, err := e.GetDataset(ctx, d.Name); err == nil {
		return nil, &ConflictError{Msg: fmt.Sprintf("dataset %q is already registered; delete it first or choose another name", d.Name)}
	}
	d.CreatedAt = e.cfg.Now().UTC().Truncate(time.Millisecond)
	if _, err := e.db.exec(ctx, `INSERT INTO tailsynth_datasets (name, location, manifest, description, created_at) VALUES (?, ?, ?, ?, ?)`,
		d.Name, d.Location, d.Manifest, d.Description, ms(d.CreatedAt)); err != nil {
		return nil, err
	}
	return &d, nil
}

// GetDataset returns a registered dataset.
func (e *Engine) GetDataset(ctx context.Context, name string) (*Dataset, error) {
	var d Dataset
	var created int64
	err := e.db.queryRow(ctx, `SELECT name, location, manifest, description, created_at FROM tailsynth_datasets WHERE name = ?`, name).
		Scan(&d.Name, &d.Location, &d.Manifest, &d.Description, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	d.CreatedAt = time.UnixMilli(created).UTC()
	return &d, nil
}

// ListDatasets returns the registered datasets by name.
func (e *Engine) ListDatasets(ctx context.Context) ([]*Dataset, error) {
	rows, err := e.db.query(ctx, `SELECT name, location, manifest, description, created_at FROM tailsynth_datasets ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Dataset
	for rows.Next() {
		var d Dataset
		var created int64
		if err := rows.Scan(&d.Name, &d.Location, &d.Manifest, &d.Description, &created); err != nil {
			return nil, err
		}
		d.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, &d)
	}
	return out, rows.Err()
}

// DeleteDataset forgets a dataset name; its files are untouched.
func (e *Engine) DeleteDataset(ctx context.Context, name string) error {
	res, err := e.db.exec(ctx, `DELETE FROM tailsynth_datasets WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
