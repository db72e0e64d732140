package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// TestKindStatus pins the HTTP status and error code of every kind, as
// openapi.json documents them; 0 is an internal error (500 internal).
func TestKindStatus(t *testing.T) {
	want := map[errkind.Kind]struct {
		status int
		code   string
	}{
		errkind.Other:         {0, ""},
		errkind.Invalid:       {http.StatusBadRequest, CodeValidation},
		errkind.Malformed:     {http.StatusBadRequest, CodeBadRequest},
		errkind.Unprocessable: {http.StatusUnprocessableEntity, CodeValidation},
		errkind.NotFound:      {http.StatusNotFound, CodeNotFound},
		errkind.Conflict:      {http.StatusConflict, CodeConflict},
		errkind.Permission:    {http.StatusForbidden, CodeForbidden},
		errkind.TooLarge:      {http.StatusRequestEntityTooLarge, CodeTooLarge},
		errkind.Unavailable:   {http.StatusServiceUnavailable, CodeUnavailable},
		errkind.Canceled:      {0, ""},
		errkind.Timeout:       {http.StatusGatewayTimeout, CodeTimeout},
	}
	for _, k := range errkind.Kinds {
		w, ok := want[k]
		if !ok {
			t.Errorf("kind %v: no status pinned in this test; add it (and to openapi.json if it is new)", k)
			continue
		}
		status, code := kindStatus(k)
		if status != w.status || code != w.code {
			t.Errorf("kindStatus(%v) = %d %q, want %d %q", k, status, code, w.status, w.code)
		}
	}
}

// TestToAPIError pins the answer to each error of the project, wrapped as
// handlers return them: the statuses and codes toAPIError gave before it
// read errkind, and its messages and details.
func TestToAPIError(t *testing.T) {
	tests := []struct {
		err     error
		status  int
		code    string
		message string // "" for the error's own
		details any
	}{
		{&generators.StrategyError{Msg: "s"}, http.StatusBadRequest, CodeValidation, "", nil},
		{&generators.ParamError{Msg: "p"}, http.StatusBadRequest, CodeValidation, "", nil},
		{&jobs.CronError{Msg: "c"}, http.StatusBadRequest, CodeValidation, "", nil},
		{&datasets.NameError{Msg: "n"}, http.StatusBadRequest, CodeValidation, "", nil},
		{&jobs.CursorError{Cursor: "x"}, http.StatusBadRequest, CodeValidation, "", nil},
		{&datasets.DatasetError{Msg: "d"}, http.StatusUnprocessableEntity, CodeValidation, "", nil},
		{&jobs.LimitError{Msg: "l"}, http.StatusUnprocessableEntity, CodeValidation, "", nil},
		{&jobs.ConflictError{Msg: "c"}, http.StatusConflict, CodeConflict, "", nil},
		{&jobs.FinishedError{ID: "job_1", State: "succeeded"}, http.StatusConflict, CodeConflict, "",
			map[string]string{"id": "job_1", "state": "succeeded"}},
		{jobs.ErrNotFound, http.StatusNotFound, CodeNotFound, "", nil},
		{&http.MaxBytesError{Limit: 1024}, http.StatusRequestEntityTooLarge, CodeTooLarge,
			"request body is larger than the 1024 bytes accepted", nil},
		{storage.ErrInvalidLocation, http.StatusBadRequest, CodeBadRequest, "", nil},
		{storage.ErrInvalidKey, http.StatusBadRequest, CodeBadRequest, "", nil},
		{storage.ErrLocationNotAllowed, http.StatusForbidden, CodeForbidden, "", nil},
		{storage.ErrNotFound, http.StatusNotFound, CodeNotFound, "", nil},
		{&datasets.NotFoundError{}, http.StatusNotFound, CodeNotFound, "", nil},
		{storage.ErrBucketNotFound, http.StatusNotFound, CodeNotFound, "", nil},
		{storage.ErrPermission, http.StatusForbidden, CodeForbidden, "", nil},
		{storage.ErrUnavailable, http.StatusServiceUnavailable, CodeUnavailable, "", nil},
		{storage.ErrExists, http.StatusConflict, CodeConflict, "", nil},
		{context.DeadlineExceeded, http.StatusGatewayTimeout, CodeTimeout, "the request took too long", nil},
		// Storage that did not answer in time is unavailable, not a timeout.
		{fmt.Errorf("%w: %w", storage.ErrUnavailable, context.DeadlineExceeded), http.StatusServiceUnavailable, CodeUnavailable, "", nil},
		{Errorf(http.StatusTeapot, "teapot", "short and stout"), http.StatusTeapot, "teapot", "short and stout", nil},
	}
	for _, tt := range tests {
		err := fmt.Errorf("handling the request: %w", tt.err)
		t.Run(fmt.Sprintf("%T %v", tt.err, tt.err), func(t *testing.T) {
			ae := toAPIError(err)
			if ae == nil {
				t.Fatalf("toAPIError(%v) = nil (internal error), want %d %s", err, tt.status, tt.code)
			}
			msg := tt.message
			if msg == "" {
				msg = err.Error()
			}
			if ae.Status != tt.status || ae.Code != tt.code || ae.Message != msg {
				t.Errorf("toAPIError(%v) = %d %s %q, want %d %s %q", err, ae.Status, ae.Code, ae.Message, tt.status, tt.code, msg)
			}
			if !reflect.DeepEqual(ae.Details, tt.details) {
				t.Errorf("toAPIError(%v) details = %v, want %v", err, ae.Details, tt.details)
			}
		})
	}
	for _, err := range []error{errors.New("boom"), context.Canceled, nil} {
		if ae := toAPIError(fmt.Errorf("x: %w", err)); ae != nil {
			t.Errorf("toAPIError(%v) = %d %s, want nil (an internal error)", err, ae.Status, ae.Code)
		}
	}
}
