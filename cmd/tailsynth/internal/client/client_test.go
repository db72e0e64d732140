package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadServers(t *testing.T) {
	for _, s := range []string{"", "127.0.0.1:8080", "ftp://host", "http://", "http://h/?q=1", "http://h/#f"} {
		if _, err := New(s, "", 0); err == nil {
			t.Errorf("New(%q) = nil error, want one", s)
		}
	}
	c, err := New("http://h:1/prefix/", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Server(), "http://h:1/prefix"; got != want {
		t.Errorf("Server() = %q, want %q", got, want)
	}
}

func TestDo(t *testing.T) {
	var got *http.Request
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		switch r.URL.Path {
		case "/base/v1/ok":
			fmt.Fprint(w, `{"ok":true}`)
		case "/base/v1/gone":
			w.Header().Set("X-Request-ID", "rid-1")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"not_found","message":"no job \"x\"","details":{"id":"x"}}}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>bad gateway</html>")
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/base", "secret-key", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	b, err := c.Do(ctx, Request{Method: "POST", Path: "/v1/ok", Body: map[string]int{"seed": 7}, Header: http.Header{"Idempotency-Key": {"k"}}})
	if err != nil || string(b) != `{"ok":true}` {
		t.Fatalf("Do = %q, %v", b, err)
	}
	for h, want := range map[string]string{"Authorization": "Bearer secret-key", "Content-Type": "application/json", "Idempotency-Key": "k"} {
		if v := got.Header.Get(h); v != want {
			t.Errorf("header %s = %q, want %q", h, v, want)
		}
	}
	if gotBody != `{"seed":7}` {
		t.Errorf("body = %q, want {\"seed\":7}", gotBody)
	}

	_, err = c.Do(ctx, Request{Method: "GET", Path: "/v1/gone"})
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *Error", err)
	}
	want := &Error{Status: 404, Code: "not_found", Message: `no job "x"`, Details: []byte(`{"id":"x"}`), RequestID: "rid-1"}
	if !reflect.DeepEqual(ae, want) {
		t.Errorf("error = %+v, want %+v", ae, want)
	}
	if got.Header.Get("Content-Type") != "" {
		t.Errorf("a request without a body sent Content-Type %q", got.Header.Get("Content-Type"))
	}

	_, err = c.Do(ctx, Request{Method: "GET", Path: "/v1/proxy"})
	if !errors.As(err, &ae) || ae.Code != "http_502" || ae.Message != "<html>bad gateway</html>" {
		t.Errorf("a non-model error = %v, want code http_502 with the body as message", err)
	}
}

func TestDoWithoutKeySendsNoAuthorization(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := r.Header["Authorization"]; ok {
			t.Errorf("Authorization sent without a key: %q", h)
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "", time.Second)
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/"}); err != nil {
		t.Fatal(err)
	}
}

func TestDoTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c, _ := New(srv.URL, "", 50*time.Millisecond)
	_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/"})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("err = %v, want a deadline error that names --timeout", err)
	}
}

func TestReadEvents(t *testing.T) {
	tests := []struct {
		name, stream string
		want         []Event
	}{
		{"named events", "event: job\ndata: {\"a\":1}\n\nevent: end\ndata: {}\n\n",
			[]Event{{"job", []byte(`{"a":1}`)}, {"end", []byte(`{}`)}}},
		{"CRLF, comments, id and retry", ": hello\r\nid: 3\r\nretry: 10\r\nevent: job\r\ndata: x\r\n\r\n",
			[]Event{{"job", []byte("x")}}},
		{"several data lines", "data: a\ndata:b\ndata:  c\n\n", []Event{{"message", []byte("a\nb\n c")}}},
		{"no data: no event", "event: job\n\nevent: end\ndata: {}\n\n", []Event{{"end", []byte("{}")}}},
		{"unterminated last event is dropped", "event: job\ndata: x\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Event
			err := readEvents(bufio.NewScanner(strings.NewReader(tt.stream)), func(e Event) error { got = append(got, e); return nil })
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		switch r.URL.Path {
		case "/json":
			fmt.Fprint(w, "{}")
		case "/missing":
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":{"code":"not_found","message":"no job"}}`)
		default:
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "event: job\ndata: 1\n\nevent: job\ndata: 2\n\nevent: end\ndata: 3\n\n")
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "", time.Second)
	ctx := context.Background()
	var names []string
	if err := c.Events(ctx, "/stream", func(e Event) error { names = append(names, e.Name+string(e.Data)); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "job1,job2,end3" {
		t.Errorf("events = %s, want job1,job2,end3", got)
	}
	stop := errors.New("stop")
	n := 0
	if err := c.Events(ctx, "/stream", func(Event) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Events with a stopping callback = %v after %d events, want stop after 1", err, n)
	}
	var ae *Error
	if err := c.Events(ctx, "/missing", func(Event) error { return nil }); !errors.As(err, &ae) || ae.Code != "not_found" {
		t.Errorf("Events on a missing job = %v, want not_found", err)
	}
	if err := c.Events(ctx, "/json", func(Event) error { return nil }); err == nil || !strings.Contains(err.Error(), "text/event-stream") {
		t.Errorf("Events on a JSON answer = %v, want a Content-Type error", err)
	}
}
