package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls one tailsynth server. Its methods may be called
// concurrently.
type Client struct {
	base    *url.URL
	apiKey  string
	timeout time.Duration
	http    *http.Client
	// UserAgent is sent with every request.
	UserAgent string
}

// DefaultTimeout bounds a request (not a stream) when New gets 0.
const DefaultTimeout = 2 * time.Minute

// New returns a client of the server at server ("http://host:port", with an
// optional path prefix), sending apiKey as a bearer token when it is not
// empty. timeout bounds each request and, for a stream, the wait for its
// headers; 0 means DefaultTimeout.
func New(server, apiKey string, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server %q: want a URL such as http://127.0.0.1:8080 or https://tailsynth.example.com", server)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	// No http.Client.Timeout: it would cut event streams. Requests are
	// bounded by a context deadline instead.
	return &Client{base: u, apiKey: apiKey, timeout: timeout, http: &http.Client{Transport: tr}, UserAgent: "tailsynth-client"}, nil
}

// Server returns the server's base URL.
func (c *Client) Server() string { return c.base.String() }

// Error is an error answer from the server.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Code is the stable code ("not_found", "validation_failed"...).
	Code string
	// Message says what was wrong and what is accepted.
	Message string
	// Details are the error's details, if any, as JSON.
	Details json.RawMessage
	// RequestID is the X-Request-ID the server logged the request under.
	RequestID string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 1 << 20

// decodeError reads an error answer; a body that is not the error model
// (a proxy's HTML page) becomes an Error with code "http_<status>".
func decodeError(resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-ID")}
	var body struct {
		Error *struct {
			Code    string          `json:"code"`
			Message string          `json:"message"`
			Details json.RawMessage `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error != nil && body.Error.Code != "" {
		e.Code, e.Message, e.Details = body.Error.Code, body.Error.Message, body.Error.Details
		return e
	}
	e.Code = fmt.Sprintf("http_%d", resp.StatusCode)
	msg := strings.TrimSpace(string(b))
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	e.Message = msg
	return e
}

// Request is one API call.
type Request struct {
	Method string
	// Path is the route, escaped: "/v1/jobs/" + url.PathEscape(id).
	Path  string
	Query url.Values
	// Body is sent as JSON: a json.RawMessage as it is, anything else
	// through json.Marshal. nil sends no body.
	Body   any
	Header http.Header
}

func (c *Client) newRequest(ctx context.Context, r Request) (*http.Request, error) {
	// r.Path is already escaped (IDs with url.PathEscape): joined as text,
	// not through url.URL.Path, which would escape it again.
	target := c.base.String() + r.Path
	if len(r.Query) > 0 {
		target += "?" + r.Query.Encode()
	}
	var body io.Reader
	if r.Body != nil {
		b, ok := r.Body.(json.RawMessage)
		if !ok {
			var err error
			if b, err = json.Marshal(r.Body); err != nil {
				return nil, fmt.Errorf("encoding the request body: %w", err)
			}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	return req, nil
}

// Do sends r and returns the body of a 2xx answer (empty for 204). An
// error answer is an *Error; a failure to reach the server wraps the
// transport's error.
func (c *Client) Do(ctx context.Context, r Request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(req, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, decodeError(resp)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, c.transportError(req, err)
	}
	return b, nil
}

func (c *Client) transportError(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) { // it repeats the method and URL
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s: no answer within %s (raise --timeout): %w", req.Method, req.URL.Redacted(), c.timeout, err)
	}
	return fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
}
