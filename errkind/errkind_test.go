package errkind_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// TestOf checks the kind of every error type and sentinel of the project,
// as returned and wrapped once and twice with %w.
func TestOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want errkind.Kind
	}{
		{"nil", nil, errkind.Other},
		{"plain", errors.New("boom"), errkind.Other},
		{"generators.ParamError", &generators.ParamError{Msg: "x"}, errkind.Invalid},
		{"generators.StrategyError", &generators.StrategyError{Msg: "x"}, errkind.Invalid},
		{"datasets.DatasetError", &datasets.DatasetError{Msg: "x"}, errkind.Unprocessable},
		{"datasets.NotFoundError", &datasets.NotFoundError{}, errkind.NotFound},
		{"jobs.LimitError", &jobs.LimitError{Msg: "x"}, errkind.Unprocessable},
		{"jobs.ConflictError", &jobs.ConflictError{Msg: "x"}, errkind.Conflict},
		{"jobs.CronError", &jobs.CronError{Msg: "x"}, errkind.Invalid},
		{"datasets.NameError", &datasets.NameError{Msg: "x"}, errkind.Invalid},
		{"datasets.ConflictError", &datasets.ConflictError{Msg: "x"}, errkind.Conflict},
		{"datasets.ErrNotFound", datasets.ErrNotFound, errkind.NotFound},
		{"jobs.CursorError", &jobs.CursorError{Cursor: "x"}, errkind.Invalid},
		{"jobs.FinishedError", &jobs.FinishedError{ID: "job_1", State: "succeeded"}, errkind.Conflict},
		{"jobs.ErrNotFound", jobs.ErrNotFound, errkind.NotFound},
		{"storage.ErrNotFound", storage.ErrNotFound, errkind.NotFound},
		{"storage.ErrExists", storage.ErrExists, errkind.Conflict},
		{"storage.ErrInvalidKey", storage.ErrInvalidKey, errkind.Malformed},
		{"storage.ErrBucketNotFound", storage.ErrBucketNotFound, errkind.NotFound},
		{"storage.ErrPermission", storage.ErrPermission, errkind.Permission},
		{"storage.ErrUnavailable", storage.ErrUnavailable, errkind.Unavailable},
		{"storage.ErrLocationNotAllowed", storage.ErrLocationNotAllowed, errkind.Permission},
		{"storage.ErrInvalidLocation", storage.ErrInvalidLocation, errkind.Malformed},
		{"modelstore.ErrNotFound", modelstore.ErrNotFound, errkind.NotFound},
		{"modelstore.ErrInvalidID", modelstore.ErrInvalidID, errkind.Invalid},
		{"http.MaxBytesError", &http.MaxBytesError{Limit: 10}, errkind.TooLarge},
		{"context.DeadlineExceeded", context.DeadlineExceeded, errkind.Timeout},
		{"context.Canceled", context.Canceled, errkind.Canceled},
		// The first kind in the chain wins: storage that did not answer
		// before the deadline is unavailable, as the S3 store reports it.
		{"unavailable after a deadline", fmt.Errorf("%w: %w", storage.ErrUnavailable, context.DeadlineExceeded), errkind.Unavailable},
		{"deadline then unavailable", fmt.Errorf("%w: %w", context.DeadlineExceeded, storage.ErrUnavailable), errkind.Unavailable},
		{"joined", errors.Join(errors.New("a"), storage.ErrInvalidLocation), errkind.Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errkind.Of(tt.err); got != tt.want {
				t.Errorf("Of(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.err == nil {
				return
			}
			wrapped := fmt.Errorf("reading the dataset: %w", tt.err)
			if got := errkind.Of(wrapped); got != tt.want {
				t.Errorf("Of(%v) = %v, want %v", wrapped, got, tt.want)
			}
			twice := fmt.Errorf("job job_1: %w", wrapped)
			if got := errkind.Of(twice); got != tt.want {
				t.Errorf("Of(%v) = %v, want %v", twice, got, tt.want)
			}
		})
	}
}

// TestNew checks that sentinels keep their message and identity.
func TestNew(t *testing.T) {
	a := errkind.New(errkind.NotFound, "object not found")
	b := errkind.New(errkind.NotFound, "object not found")
	if a.Error() != "object not found" {
		t.Errorf("Error() = %q, want %q", a.Error(), "object not found")
	}
	if errors.Is(a, b) {
		t.Error("two sentinels with the same message are the same error; want distinct values, as errors.New gives")
	}
	if !errors.Is(fmt.Errorf("x: %w", a), a) {
		t.Error("a wrapped sentinel is not errors.Is the sentinel")
	}
	if got, want := storage.ErrNotFound.Error(), "object not found"; got != want {
		t.Errorf("storage.ErrNotFound = %q, want %q", got, want)
	}
}

// TestRetryable pins which kinds a job retries: what it failed at once
// before kinds existed (jobs.Permanent's list) is not retryable.
func TestRetryable(t *testing.T) {
	want := map[errkind.Kind]bool{
		errkind.Other:         true,
		errkind.Invalid:       false,
		errkind.Malformed:     false,
		errkind.Unprocessable: false,
		errkind.NotFound:      false,
		errkind.Conflict:      true,
		errkind.Permission:    false,
		errkind.TooLarge:      false,
		errkind.Unavailable:   true,
		errkind.Canceled:      true,
		errkind.Timeout:       true,
	}
	for _, k := range errkind.Kinds {
		w, ok := want[k]
		if !ok {
			t.Errorf("kind %v: no retry decision pinned in this test", k)
			continue
		}
		if got := errkind.Retryable(k); got != w {
			t.Errorf("Retryable(%v) = %v, want %v", k, got, w)
		}
	}
}

func TestString(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range errkind.Kinds {
		s := k.String()
		if s == "" || seen[s] {
			t.Errorf("kind %d: name %q is empty or taken", int(k), s)
		}
		seen[s] = true
	}
	if got, want := errkind.Kind(99).String(), "kind(99)"; got != want {
		t.Errorf("Kind(99).String() = %q, want %q", got, want)
	}
}
