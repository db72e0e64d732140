package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/jobs"
)

// Error is an error with an HTTP status and a stable machine-readable code.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns a copy of e with details attached.
func (e *Error) WithDetails(d any) *Error {
	c := *e
	c.Details = d
	return &c
}

// Error codes.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalidJSON      = "invalid_json"
	CodeValidation       = "validation_failed"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeTooLarge         = "body_too_large"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
	CodeTimeout          = "timeout"
)

type errorBody struct {
	Error *Error `json:"error"`
}

// kindStatus is the HTTP status and error code of an error of kind k;
// status 0 for a kind answered as an internal error (errkind.Other,
// errkind.Canceled).
func kindStatus(k errkind.Kind) (status int, code string) {
	switch k {
	case errkind.Invalid:
		return http.StatusBadRequest, CodeValidation
	case errkind.Malformed:
		return http.StatusBadRequest, CodeBadRequest
	case errkind.Unprocessable:
		return http.StatusUnprocessableEntity, CodeValidation
	case errkind.NotFound:
		return http.StatusNotFound, CodeNotFound
	case errkind.Conflict:
		return http.StatusConflict, CodeConflict
	case errkind.Permission:
		return http.StatusForbidden, CodeForbidden
	case errkind.TooLarge:
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	case errkind.Unavailable:
		return http.StatusServiceUnavailable, CodeUnavailable
	case errkind.Timeout:
		return http.StatusGatewayTimeout, CodeTimeout
	}
	return 0, ""
}

// toAPIError maps any error onto an *Error by its kind (errkind.Of), the
// kind that also decides whether a job retries it; nil for an internal
// error. The message is the error's, but where the error carries more: a
// body over the limit names the limit, a timeout does not show the
// context's message, a job already over names its state in details.
func toAPIError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	k := errkind.Of(err)
	status, code := kindStatus(k)
	if status == 0 {
		return nil
	}
	var mbe *http.MaxBytesError
	var finished *jobs.FinishedError
	switch {
	case k == errkind.TooLarge && errors.As(err, &mbe):
		return Errorf(status, code, "request body is larger than the %d bytes accepted", mbe.Limit)
	case k == errkind.Timeout:
		return Errorf(status, code, "the request took too long")
	case k == errkind.Conflict && errors.As(err, &finished):
		return Errorf(status, code, "%v", err).WithDetails(map[string]string{"id": finished.ID, "state": finished.State})
	}
	return Errorf(status, code, "%v", err)
}

// respondError writes err as the JSON error model. Errors that are not API
// errors are logged and answered with a generic 500.
func respondError(c *gin.Context, err error) {
	ae := toAPIError(err)
	if ae == nil {
		rid := RequestID(c)
		logger(c).ErrorContext(c.Request.Context(), "internal error", "err", err, "request_id", rid,
			"method", c.Request.Method, "path", c.Request.URL.Path)
		ae = &Error{Status: http.StatusInternalServerError, Code: CodeInternal,
			Message: "internal server error; quote the request ID when reporting it",
			Details: map[string]string{"request_id": rid}}
	}
	c.AbortWithStatusJSON(ae.Status, errorBody{Error: ae})
}

// handle adapts a handler that returns a status and body, or an error.
func handle(fn func(c *gin.Context) (int, any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		status, body, err := fn(c)
		if err != nil {
			respondError(c, err)
			return
		}
		if body == nil {
			c.Status(status)
			return
		}
		c.JSON(status, body)
	}
}

// decodeJSON decodes the request body into v strictly: a JSON object,
// no unknown fields, nothing after it. Errors say what was wrong.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
			"content type %q is not accepted; send application/json", ct)
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "the body holds more than one JSON value; send exactly one object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	var strategyErr *generators.StrategyError // from Strategy.UnmarshalJSON
	switch {
	case errors.As(err, &strategyErr):
		return Errorf(http.StatusBadRequest, CodeValidation, "%v", err)
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "the body is empty; send a JSON object")
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "the body is not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return Errorf(http.StatusBadRequest, CodeInvalidJSON, "the body must be a JSON object, not a %s", typ.Value)
		}
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "field %q: got a JSON %s, want %s", field, typ.Value, typeName(typ.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "unknown field %s; see /openapi.json for the accepted fields", name)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, CodeInvalidJSON, "the body ends in the middle of a JSON value")
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's read deadline (server.read_timeout) passed
		// before the whole body arrived: a slow client, not a bad body.
		return Errorf(http.StatusRequestTimeout, CodeTimeout, "the request body did not arrive within the server's read timeout (server.read_timeout); send it in one go")
	}
	return Errorf(http.StatusBadRequest, CodeInvalidJSON, "cannot read the body: %v", err)
}

func typeName(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "map"), strings.HasPrefix(t, "struct"):
		return "an object"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return t
}

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}
