package client

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"time"
)

// Event is one server-sent event.
type Event struct {
	// Name is the event type ("job", "end"); "message" when the server
	// names none.
	Name string
	// Data is the event's data, its lines joined by "\n".
	Data []byte
}

// MaxEventBytes bounds one line of an event stream.
const MaxEventBytes = 16 << 20

// Events opens the event stream at path and calls fn with each event until
// the server closes the stream (Events returns nil), fn returns an error
// (returned as is), or ctx ends. An error answer before the stream starts
// is an *Error. The client's timeout bounds the wait for the answer's
// headers only: a stream may stay quiet for as long as its job does.
func (c *Client) Events(ctx context.Context, path string, fn func(Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	headers := time.AfterFunc(c.timeout, cancel)
	resp, err := c.http.Do(req)
	if !headers.Stop() { // the timer fired: the stream is cancelled
		if err == nil {
			resp.Body.Close()
		}
		return fmt.Errorf("GET %s: no answer within %s (raise --timeout)", req.URL.Redacted(), c.timeout)
	}
	if err != nil {
		return c.transportError(req, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return decodeError(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
		return fmt.Errorf("GET %s: got Content-Type %q, want text/event-stream", req.URL.Redacted(), mt)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), MaxEventBytes)
	if err := readEvents(sc, fn); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("reading the event stream: %w", err)
	}
	return ctx.Err()
}

// readEvents parses the text/event-stream format (WHATWG HTML, "Server-sent
// events", 9.2.6): "field: value" lines, a blank line ends an event,
// lines starting with ':' are comments, one space after the colon is
// dropped, several data lines are joined with "\n". id and retry are read
// and ignored.
func readEvents(sc *bufio.Scanner, fn func(Event) error) error {
	var (
		name    string
		data    bytes.Buffer
		hasData bool
	)
	for sc.Scan() {
		line := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if len(line) == 0 {
			if hasData {
				ev := Event{Name: name, Data: bytes.Clone(data.Bytes())}
				if ev.Name == "" {
					ev.Name = "message"
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
			name, hasData = "", false
			data.Reset()
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			name = string(value)
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.Write(value)
			hasData = true
		}
	}
	return nil
}
