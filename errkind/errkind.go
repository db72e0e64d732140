// Package errkind classifies errors by kind, once, where they are born.
//
// An error type says what kind of failure it is with a Kind method; a
// sentinel made with New carries its kind. Of finds the kind through the
// error chain, and both the HTTP status of an API answer (api) and the
// retry decision of a job (jobs) are read from it, so the two cannot drift
// apart. The design follows upspin's errors package (errors.E(op, kind,
// err)), without its op and path fields: this project's messages already
// say what failed.
//
// errkind is a top-level package, not internal/, because the error types
// of the public packages storage, generators and jobs return a Kind from
// an exported method: a caller of those packages must be able to name the
// type and call Of. It imports nothing of the project, so any package may
// import it without a cycle.
package errkind

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// Kind is the class of an error: what went wrong, as a caller (an HTTP
// client, the job engine) must act on it.
type Kind int

// The kinds. The HTTP status each gets is api's; Retryable says which a
// retry can fix.
const (
	// Other is an unknown or internal failure: a bug, or an error no one
	// classified. HTTP 500; a job retries it.
	Other Kind = iota
	// Invalid is a value the request gave that is not accepted (a
	// parameter, strategy, cron expression, name, cursor). HTTP 400
	// validation_failed.
	Invalid
	// Malformed is a name that is ill-formed or cannot name an object: a
	// location URI that does not parse, a storage key that breaks the key
	// rules. HTTP 400 bad_request.
	Malformed
	// Unprocessable is a well-formed request that cannot apply to its
	// dataset, or goes past a limit. HTTP 422.
	Unprocessable
	// NotFound is something named that does not exist. HTTP 404.
	NotFound
	// Conflict is a request at odds with the current state: a job that is
	// already over, a name already taken, an object that exists. HTTP 409.
	// The state may change, so a job retries it.
	Conflict
	// Permission is access refused: a location outside the allowed roots,
	// refused credentials. HTTP 403.
	Permission
	// TooLarge is a body or input over its size limit. HTTP 413.
	TooLarge
	// Unavailable is storage or another dependency that does not answer,
	// or answers that it is failing: a fault of the moment. HTTP 503; a
	// job waits it out.
	Unavailable
	// Canceled is work given up by its caller (context.Canceled). HTTP 500
	// (no one is left to read the answer); a job retries it.
	Canceled
	// Timeout is work past its deadline (context.DeadlineExceeded). HTTP
	// 504; a job retries it.
	Timeout
)

var names = [...]string{
	Other:         "other",
	Invalid:       "invalid",
	Malformed:     "malformed",
	Unprocessable: "unprocessable",
	NotFound:      "not found",
	Conflict:      "conflict",
	Permission:    "permission",
	TooLarge:      "too large",
	Unavailable:   "unavailable",
	Canceled:      "canceled",
	Timeout:       "timeout",
}

// Kinds lists every kind, in order.
var Kinds = []Kind{Other, Invalid, Malformed, Unprocessable, NotFound, Conflict, Permission, TooLarge, Unavailable, Canceled, Timeout}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Retryable reports whether trying again can fix a failure of kind k.
// Bad input, missing things and refused access stay so; an unknown error,
// a conflict with a state that may change, storage that does not answer,
// a cancellation and a timeout may not. The job engine fails a job at once
// on an error that is not retryable, and waits out Unavailable without
// spending attempts.
func Retryable(k Kind) bool {
	switch k {
	case Invalid, Malformed, Unprocessable, NotFound, Permission, TooLarge:
		return false
	}
	return true
}

// Of returns the kind of err: that of the first error in its chain (as
// errors.As walks it) with a Kind method; else TooLarge for an
// *http.MaxBytesError, Timeout for context.DeadlineExceeded, Canceled for
// context.Canceled; else Other. Of(nil) is Other.
func Of(err error) Kind {
	if err == nil {
		return Other
	}
	var k interface{ Kind() Kind }
	if errors.As(err, &k) {
		return k.Kind()
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return TooLarge
	case errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case errors.Is(err, context.Canceled):
		return Canceled
	}
	return Other
}

// New returns a sentinel error of kind k whose message is msg. Like
// errors.New, each call returns a distinct value, so errors.Is tells
// sentinels apart:
//
//	var ErrNotFound = errkind.New(errkind.NotFound, "object not found")
func New(k Kind, msg string) error {
	return &sentinel{msg: msg, kind: k}
}

type sentinel struct {
	msg  string
	kind Kind
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Kind() Kind    { return e.kind }
