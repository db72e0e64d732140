package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

const testKey = "0123456789abcdef-test"

type echoReq struct {
	Name string `json:"name"`
	Seed int64  `json:"seed"`
}

func testRouter(keys []string, ready error) *gin.Engine {
	return NewRouter(Options{
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIKeys:      keys,
		MaxBodyBytes: 1024,
		Ready:        []ReadyCheck{{Name: "storage", Check: func(context.Context) error { return ready }}},
		Mount: []func(gin.IRouter){func(r gin.IRouter) {
			r.GET("/panic", func(*gin.Context) { panic("secret internal detail") })
			r.POST("/echo", handle(func(c *gin.Context) (int, any, error) {
				var req echoReq
				if err := decodeJSON(c, &req); err != nil {
					return 0, nil, err
				}
				return http.StatusOK, req, nil
			}))
			r.GET("/boom", handle(func(*gin.Context) (int, any, error) { return 0, nil, errors.New("db password is hunter2") }))
		}},
	})
}

func do(r http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

// errorOf decodes the error model and fails if the body is not one.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) Error {
	t.Helper()
	var body struct {
		Error *Error `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error == nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("body %q is not the JSON error model (%v)", w.Body.String(), err)
	}
	return *body.Error
}

func TestHealthAndReady(t *testing.T) {
	r := testRouter(nil, nil)
	if w := do(r, "GET", "/healthz", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"status":"ok"`) {
		t.Errorf("/healthz = %d %s", w.Code, w.Body)
	}
	if w := do(r, "GET", "/readyz", ""); w.Code != 200 {
		t.Errorf("/readyz = %d %s, want 200", w.Code, w.Body)
	}
	r = testRouter(nil, errors.New("bucket missing"))
	w := do(r, "GET", "/readyz", "")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with a failing check = %d, want 503", w.Code)
	}
	if e := errorOf(t, w); !strings.Contains(e.Message, "storage: bucket missing") {
		t.Errorf("readyz message = %q, want the failing check named", e.Message)
	}
}

func TestMetrics(t *testing.T) {
	r := testRouter(nil, nil)
	do(r, "GET", "/healthz", "")
	w := do(r, "GET", "/metrics", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `tailsynth_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("/metrics = %d, missing the request counter:\n%.2000s", w.Code, w.Body)
	}
}

func TestErrorModel(t *testing.T) {
	r := testRouter(nil, nil)
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		code, msgPart            string
	}{
		{"no route", "GET", "/nope", "", nil, 404, CodeNotFound, "no route GET /nope"},
		{"method", "DELETE", "/healthz", "", nil, 405, CodeMethodNotAllowed, "DELETE"},
		{"unknown field", "POST", "/echo", `{"name":"a","colour":1}`, nil, 400, CodeInvalidJSON, `unknown field "colour"`},
		{"wrong type", "POST", "/echo", `{"seed":"seven"}`, nil, 400, CodeInvalidJSON, `field "seed": got a JSON string, want an integer`},
		{"syntax", "POST", "/echo", `{"name":`, nil, 400, CodeInvalidJSON, "ends in the middle"},
		{"not object", "POST", "/echo", `[1]`, nil, 400, CodeInvalidJSON, "must be a JSON object"},
		{"empty", "POST", "/echo", ``, nil, 400, CodeInvalidJSON, "empty"},
		{"two values", "POST", "/echo", `{} {}`, nil, 400, CodeInvalidJSON, "more than one JSON value"},
		{"too large", "POST", "/echo", `{"name":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, CodeTooLarge, "1024 bytes"},
		{"media type", "POST", "/echo", `name=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, CodeUnsupportedMedia, "application/json"},
		{"panic", "GET", "/panic", "", nil, 500, CodeInternal, "internal server error"},
		{"internal", "GET", "/boom", "", nil, 500, CodeInternal, "internal server error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := do(r, c.method, c.path, c.body, c.hdr...)
			if w.Code != c.status {
				t.Fatalf("status = %d (%s), want %d", w.Code, w.Body, c.status)
			}
			e := errorOf(t, w)
			if e.Code != c.code || !strings.Contains(e.Message, c.msgPart) {
				t.Errorf("error = %+v, want code %q and message containing %q", e, c.code, c.msgPart)
			}
			if strings.Contains(w.Body.String(), "secret internal detail") || strings.Contains(w.Body.String(), "hunter2") {
				t.Errorf("internal detail leaked: %s", w.Body)
			}
		})
	}
	if w := do(r, "POST", "/echo", `{"name":"a","seed":7}`); w.Code != 200 || w.Body.String() != `{"name":"a","seed":7}` {
		t.Errorf("good request = %d %s", w.Code, w.Body)
	}
}

func TestRequestID(t *testing.T) {
	r := testRouter(nil, nil)
	if w := do(r, "GET", "/healthz", "", HeaderRequestID, "abc-123"); w.Header().Get(HeaderRequestID) != "abc-123" {
		t.Errorf("request ID not echoed: %q", w.Header().Get(HeaderRequestID))
	}
	w := do(r, "GET", "/healthz", "", HeaderRequestID, "bad id with spaces\n")
	if got := w.Header().Get(HeaderRequestID); len(got) != 24 {
		t.Errorf("unsafe request ID kept or not replaced: %q", got)
	}
	w = do(r, "GET", "/boom", "")
	if e := errorOf(t, w); !strings.Contains(w.Body.String(), w.Header().Get(HeaderRequestID)) {
		t.Errorf("500 body %+v does not quote the request ID", e)
	}
}

func TestAuth(t *testing.T) {
	r := testRouter([]string{testKey}, nil)
	if w := do(r, "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("/healthz needs no key, got %d", w.Code)
	}
	if w := do(r, "GET", "/readyz", ""); w.Code != 200 {
		t.Errorf("/readyz needs no key, got %d", w.Code)
	}
	for _, h := range []string{"", "Bearer ", "Bearer wrong", "Basic " + testKey, "Bearer " + testKey + "x", "Bearer" + testKey, "Bearer\t" + testKey} {
		w := do(r, "GET", "/metrics", "", "Authorization", h)
		if w.Code != 401 {
			t.Errorf("Authorization %q: status %d, want 401", h, w.Code)
			continue
		}
		if e := errorOf(t, w); e.Code != CodeUnauthorized || w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %+v, headers %v", h, e, w.Header())
		}
	}
	if w := do(r, "GET", "/metrics", "", "Authorization", "Bearer "+testKey); w.Code != 200 {
		t.Errorf("right key: status %d, want 200", w.Code)
	}
	// RFC 7235 section 2.1: the auth-scheme is case-insensitive and is
	// followed by one or more spaces.
	for _, h := range []string{"bearer " + testKey, "BEARER " + testKey, "bEaReR " + testKey, "Bearer  " + testKey} {
		if w := do(r, "GET", "/metrics", "", "Authorization", h); w.Code != 200 {
			t.Errorf("Authorization %q: status %d, want 200 (the scheme is case-insensitive)", h, w.Code)
		}
	}
	if w := do(r, "GET", "/nope", "", "Authorization", "Bearer wrong"); w.Code != 401 {
		t.Errorf("unknown route without a valid key: %d, want 401 (do not reveal routes)", w.Code)
	}
}

// timeoutReader is a request body whose next read fails as a connection
// read deadline does.
type timeoutReader struct{ sent bool }

func (r *timeoutReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, `{"name":`), nil
	}
	return 0, os.ErrDeadlineExceeded
}

// TestBodyReadTimeout: a body that does not arrive within
// server.read_timeout is 408 Request Timeout naming the setting, not 400.
func TestBodyReadTimeout(t *testing.T) {
	r := testRouter(nil, nil)
	req := httptest.NewRequest("POST", "/echo", &timeoutReader{})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusRequestTimeout {
		t.Fatalf("status = %d (%s), want 408", w.Code, w.Body)
	}
	if e := errorOf(t, w); e.Code != CodeTimeout || !strings.Contains(e.Message, "server.read_timeout") {
		t.Errorf("error = %+v, want code %q naming server.read_timeout", e, CodeTimeout)
	}
}
