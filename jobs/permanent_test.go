package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// TestPermanent pins the retry decision for the errors a job meets, read
// from their kind: what a retry cannot fix fails the job at once, storage
// that does not answer is waited out, anything else spends an attempt.
func TestPermanent(t *testing.T) {
	tests := []struct {
		err                    error
		permanent, unavailable bool
	}{
		{&datasets.DatasetError{Msg: "d"}, true, false},
		{&generators.ParamError{Msg: "p"}, true, false},
		{&generators.StrategyError{Msg: "s"}, true, false},
		{&datasets.NotFoundError{}, true, false},
		{&jobs.LimitError{Msg: "l"}, true, false},
		{storage.ErrLocationNotAllowed, true, false},
		{storage.ErrInvalidLocation, true, false},
		{storage.ErrNotFound, true, false},
		{storage.ErrBucketNotFound, true, false},
		{storage.ErrPermission, true, false},
		{storage.ErrInvalidKey, true, false},
		{storage.ErrUnavailable, false, true},
		// Storage that did not answer before a deadline is waited out.
		{fmt.Errorf("%w: %w", storage.ErrUnavailable, context.DeadlineExceeded), false, true},
		{storage.ErrExists, false, false},
		{&jobs.ConflictError{Msg: "c"}, false, false},
		{context.DeadlineExceeded, false, false},
		{context.Canceled, false, false},
		{errors.New("disk full"), false, false},
	}
	for _, tt := range tests {
		err := fmt.Errorf("job job_1: reading the dataset: %w", tt.err)
		if got := jobs.Permanent(err); got != tt.permanent {
			t.Errorf("Permanent(%v) = %v, want %v", err, got, tt.permanent)
		}
		if got := jobs.StorageUnavailable(err); got != tt.unavailable {
			t.Errorf("StorageUnavailable(%v) = %v, want %v", err, got, tt.unavailable)
		}
	}
}
