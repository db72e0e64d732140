package jobs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
)

// Job states.
const (
	StateQueued    = "queued"
	StateRunning   = "running"
	StateRetrying  = "retrying"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
	StateCancelled = "cancelled"
)

// States lists every state, for validation of filters.
var States = []string{StateQueued, StateRunning, StateRetrying, StateSucceeded, StateFailed, StateCancelled}

// Terminal reports whether a state is final.
func Terminal(s string) bool { return s == StateSucceeded || s == StateFailed || s == StateCancelled }

// Job kinds.
const (
	// KindGenerate is a generation job: Spec says what to generate.
	KindGenerate = "generate"
	// KindEvaluate is a method comparison run by Config.Evaluator: Spec
	// holds its dataset, output and first seed, Evaluation its request.
	KindEvaluate = "evaluate"
)

// Job is what the API shows of a job.
type Job struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	State string `json:"state"`
	// Spec is a generation job's request; for an evaluation, its dataset,
	// output and first seed.
	Spec generators.Spec `json:"request"`
	// Evaluation is an evaluation's request, as the evaluator reads it.
	Evaluation json.RawMessage      `json:"evaluation,omitempty"`
	Progress   *generators.Progress `json:"progress,omitempty"`
	Result     *pipeline.Result     `json:"result,omitempty"`
	Error      string               `json:"error,omitempty"`
	Attempts   int                  `json:"attempts"`
	Worker     string               `json:"worker,omitempty"` // host:pid of the process that ran the last attempt
	ScheduleID string               `json:"schedule_id,omitempty"`
	Output     string               `json:"output"`
	CreatedAt  time.Time            `json:"created_at"`
	StartedAt  *time.Time           `json:"started_at,omitempty"`
	FinishedAt *time.Time           `json:"finished_at,omitempty"`
	UpdatedAt  time.Time            `json:"updated_at"`
	Timings    map[string]float64   `json:"timings,omitempty"`
	Cancelling bool                 `json:"cancel_requested,omitempty"`
	// StorageWait is set while the job waits for storage that did not
	// answer, and on a job that failed because it waited longer than
	// jobs.storage_retry_window.
	StorageWait *StorageWait `json:"storage_wait,omitempty"`
	// RetryCount is how often the job was retried after it failed or was
	// cancelled (Engine.Retry).
	RetryCount int `json:"retry_count,omitempty"`
	heartbeat  *time.Time
	riverID    sql.NullInt64
	// checkPending marks a job accepted while storage was down: Check
	// runs when it starts (SubmitUnchecked).
	checkPending bool
}

// StorageWait is a job's wait for storage that does not answer.
type StorageWait struct {
	// Since is when the job first found storage unavailable (since it
	// last wrote a sample).
	Since time.Time `json:"since"`
	// Retries counts the tries since then.
	Retries int `json:"retries"`
	// GivesUpAt is Since plus jobs.storage_retry_window: the job fails if
	// storage is still unavailable then.
	GivesUpAt time.Time `json:"gives_up_at"`
}

// ErrNotFound is a job, dataset or schedule that does not exist.
var ErrNotFound = errkind.New(errkind.NotFound, "not found")

// ConflictError is an Idempotency-Key reused with another request.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return e.Msg }

// Kind is errkind.Conflict.
func (e *ConflictError) Kind() errkind.Kind { return errkind.Conflict }

func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

const jobColumns = `id, kind, kind_request, spec, state, river_id, schedule_id, progress, result, error, attempts, worker, cancel_requested,
	created_at, started_at, finished_at, heartbeat_at, updated_at,
	storage_wait_since, storage_waits, storage_wait_until, retry_count, check_pending`

func scanJob(row interface{ Scan(...any) error }) (*Job, error) {
	var (
		j                            Job
		spec                         string
		kindRequest                  sql.NullString
		scheduleID, progress, result sql.NullString
		errText, workerCol           sql.NullString
		cancel                       int
		created, updated             int64
		started, finished, heartbeat sql.NullInt64
		waitSince, waitUntil         sql.NullInt64
		waits, checkPending          int
	)
	if err := row.Scan(&j.ID, &j.Kind, &kindRequest, &spec, &j.State, &j.riverID, &scheduleID, &progress, &result, &errText, &j.Attempts, &workerCol, &cancel,
		&created, &started, &finished, &heartbeat, &updated,
		&waitSince, &waits, &waitUntil, &j.RetryCount, &checkPending); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	if err := json.Unmarshal([]byte(spec), &j.Spec); err != nil {
		return nil, fmt.Errorf("job %s: stored request: %w", j.ID, err)
	}
	if kindRequest.Valid && kindRequest.String != "" {
		j.Evaluation = json.RawMessage(kindRequest.String)
	}
	if progress.Valid && progress.String != "" {
		j.Progress = &generators.Progress{}
		_ = json.Unmarshal([]byte(progress.String), j.Progress)
	}
	if result.Valid && result.String != "" {
		j.Result = &pipeline.Result{}
		_ = json.Unmarshal([]byte(result.String), j.Result)
	}
	j.Error = errText.String
	j.Worker = workerCol.String
	j.ScheduleID = scheduleID.String
	j.Cancelling = cancel != 0 && !Terminal(j.State)
	j.CreatedAt = time.UnixMilli(created).UTC()
	j.UpdatedAt = time.UnixMilli(updated).UTC()
	j.StartedAt, j.FinishedAt, j.heartbeat = fromMS(started), fromMS(finished), fromMS(heartbeat)
	if waitSince.Valid && waitUntil.Valid {
		j.StorageWait = &StorageWait{Since: *fromMS(waitSince), Retries: waits, GivesUpAt: *fromMS(waitUntil)}
	}
	j.checkPending = checkPending != 0
	j.Output = strings.TrimSuffix(j.Spec.Output, "/") + "/" + j.ID
	if j.StartedAt != nil {
		end := time.Now()
		if j.FinishedAt != nil {
			end = *j.FinishedAt
		}
		j.Timings = map[string]float64{
			"queued_s":  j.StartedAt.Sub(j.CreatedAt).Seconds(),
			"running_s": end.Sub(*j.StartedAt).Seconds(),
		}
	}
	return &j, nil
}

// requestHash identifies a request for idempotency checks. A generation
// job's hash is that of its spec alone, as before job kinds existed.
func requestHash(kind string, spec generators.Spec, request json.RawMessage) string {
	spec.ID = ""
	b, _ := json.Marshal(spec)
	if kind != KindGenerate {
		b = fmt.Appendf(b, "\x00%s\x00%s", kind, request)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Get returns a job.
func (e *Engine) Get(ctx context.Context, id string) (*Job, error) {
	return scanJob(e.db.queryRow(ctx, `SELECT `+jobColumns+` FROM tailsynth_jobs WHERE id = ?`, id))
}

// ListOptions filter and page a job listing.
type ListOptions struct {
	State string
	// Kind, when set, lists only jobs of that kind (KindGenerate,
	// KindEvaluate).
	Kind  string
	Limit int
	// Cursor is the NextCursor of the previous page.
	Cursor string
}

// List returns jobs newest first, and a cursor for the next page ("" at
// the end).
func (e *Engine) List(ctx context.Context, o ListOptions) ([]*Job, string, error) {
	if o.Limit <= 0 || o.Limit > 500 {
		o.Limit = 50
	}
	q := `SELECT ` + jobColumns + ` FROM tailsynth_jobs WHERE 1=1`
	var args []any
	if o.State != "" {
		q += ` AND state = ?`
		args = append(args, o.State)
	}
	if o.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, o.Kind)
	}
	if o.Cursor != "" {
		created, id, ok := parseCursor(o.Cursor)
		if !ok {
			return nil, "", &CursorError{o.Cursor}
		}
		q += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, created, created, id)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, o.Limit+1)
	rows, err := e.db.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > o.Limit {
		out = out[:o.Limit]
		last := out[len(out)-1]
		next = fmt.Sprintf("%d.%s", last.CreatedAt.UnixMilli(), last.ID)
	}
	return out, next, nil
}

// CursorError is a malformed page cursor.
type CursorError struct{ Cursor string }

func (e *CursorError) Error() string {
	return fmt.Sprintf("cursor %q is not one this server issued; accepted: the next_cursor of the previous page (<milliseconds>.<job id>, e.g. 1700000000000.job_00112233445566778899), or no cursor for the first page", e.Cursor)
}

// Kind is errkind.Invalid.
func (e *CursorError) Kind() errkind.Kind { return errkind.Invalid }

// parseCursor reads a cursor as List writes it: the creation time in Unix
// milliseconds (digits only), a dot, and a job id. Anything else is
// refused rather than read leniently, so a mangled cursor cannot silently
// page from the wrong place.
func parseCursor(c string) (int64, string, bool) {
	a, id, ok := strings.Cut(c, ".")
	if !ok || a == "" || strings.Trim(a, "0123456789") != "" || !validJobID(id) {
		return 0, "", false
	}
	n, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return n, id, true
}

// validJobID reports whether id has the shape newID gives job ids.
func validJobID(id string) bool {
	hexPart, ok := strings.CutPrefix(id, "job_")
	if !ok {
		hexPart, ok = strings.CutPrefix(id, "eval_")
	}
	if !ok || len(hexPart) != 20 {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil && strings.ToLower(hexPart) == hexPart
}
