package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// raw sends a request and returns the status, headers and body unparsed.
func (s *server) raw(t *testing.T, method, path string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// runOversample submits an oversample job writing to out and waits for it.
func (s *server) runOversample(t *testing.T, out string, hdr ...string) string {
	t.Helper()
	body := fmt.Sprintf(`{"dataset": "file://%s/ds", "generator": "oversample", "params": {}, "strategy": "auto", "seed": 7, "output": %q}`, s.root, out)
	code, _, resp := s.do(t, "POST", "/v1/jobs", body, hdr...)
	if code != http.StatusAccepted {
		t.Fatalf("submit: %d %v", code, resp)
	}
	id := resp["job"].(map[string]any)["id"].(string)
	if j := s.waitJob(t, id, hdr...); j["state"] != "succeeded" {
		t.Fatalf("job %v", j)
	}
	return id
}

// listAll pages through GET .../files with the given page size.
func (s *server) listAll(t *testing.T, base string, limit int, hdr ...string) []string {
	t.Helper()
	var paths []string
	after := ""
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatal("more than 100 pages")
		}
		code, _, resp := s.do(t, "GET", fmt.Sprintf("%s/files?limit=%d&after=%s", base, limit, after), "", hdr...)
		if code != http.StatusOK {
			t.Fatalf("list: %d %v", code, resp)
		}
		files := resp["files"].([]any)
		if len(files) > limit {
			t.Fatalf("a page of %d files, limit %d", len(files), limit)
		}
		for _, f := range files {
			paths = append(paths, f.(map[string]any)["path"].(string))
		}
		next, _ := resp["next_after"].(string)
		if next == "" {
			return paths
		}
		after = next
	}
}

// A job's output is listed and streamed through the service the same way
// from a local folder and an S3 bucket: every file the store holds is
// listed once, in order, page by page; a file comes back byte for byte with
// its type, in part with a Range, or as a download.
func TestJobFiles(t *testing.T) {
	s := newServer(t, true)
	ctx := context.Background()
	for _, tc := range []struct{ name, out string }{
		{"local", "file://" + s.root + "/out"},
		{"s3", "s3://" + s.bucket + "/runs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := s.runOversample(t, tc.out)
			st, _, err := s.loc.Open(ctx, tc.out+"/"+id)
			if err != nil {
				t.Fatal(err)
			}
			want := storagetest.Keys(t, ctx, st, "", storage.ListOptions{})
			if !slices.Contains(want, "_SUCCESS") || !slices.Contains(want, "report.html") {
				t.Fatalf("the job wrote %q", want)
			}

			base := "/v1/jobs/" + id
			all := s.listAll(t, base, 1000)
			if !slices.Equal(all, want) {
				t.Errorf("listed %q, the store holds %q", all, want)
			}
			if paged := s.listAll(t, base, 4); !slices.Equal(paged, want) {
				t.Errorf("4 a page listed %q, want %q", paged, want)
			}
			code, _, resp := s.do(t, "GET", base+"/files?prefix=data/rare/", "")
			rare := resp["files"].([]any)
			if code != http.StatusOK || len(rare) != 21 {
				t.Fatalf("prefix data/rare/: %d, %d files (want 21)", code, len(rare))
			}
			first := rare[0].(map[string]any)
			key := first["path"].(string)
			if first["content_type"] != "image/png" || first["size"].(float64) <= 0 || resp["output"] != tc.out+"/"+id {
				t.Errorf("listing row %v, output %v", first, resp["output"])
			}

			rc, info, err := st.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := io.ReadAll(rc)
			rc.Close()
			code, hdr, body := s.raw(t, "GET", base+"/files/"+key)
			if code != http.StatusOK || !bytes.Equal(body, stored) {
				t.Fatalf("GET %s: %d, %d bytes, want 200 and the stored %d bytes", key, code, len(body), len(stored))
			}
			if hdr.Get("Content-Type") != "image/png" || !strings.HasPrefix(hdr.Get("Content-Security-Policy"), "sandbox") ||
				hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Accept-Ranges") != "bytes" {
				t.Errorf("headers %v", hdr)
			}
			if info.Size != int64(len(stored)) {
				t.Errorf("stat size %d", info.Size)
			}

			code, hdr, body = s.raw(t, "GET", base+"/files/"+key, "Range", "bytes=8-15")
			if code != http.StatusPartialContent || !bytes.Equal(body, stored[8:16]) ||
				hdr.Get("Content-Range") != fmt.Sprintf("bytes 8-15/%d", len(stored)) {
				t.Errorf("Range bytes=8-15: %d %q %q", code, body, hdr.Get("Content-Range"))
			}
			code, hdr, body = s.raw(t, "GET", base+"/files/"+key, "Range", fmt.Sprintf("bytes=%d-", len(stored)+10))
			if code != http.StatusRequestedRangeNotSatisfiable || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") ||
				!bytes.Contains(body, []byte(fmt.Sprintf("which has %d bytes", len(stored)))) {
				t.Errorf("a range past the end: %d %s %s", code, hdr.Get("Content-Type"), body)
			}
			code, hdr, body = s.raw(t, "HEAD", base+"/files/"+key)
			if code != http.StatusOK || len(body) != 0 || hdr.Get("Content-Length") != fmt.Sprint(len(stored)) {
				t.Errorf("HEAD: %d, %d bytes, Content-Length %q", code, len(body), hdr.Get("Content-Length"))
			}
			code, hdr, _ = s.raw(t, "GET", base+"/files/"+key+"?download=1")
			if name := key[strings.LastIndex(key, "/")+1:]; code != http.StatusOK || hdr.Get("Content-Disposition") != `attachment; filename=`+name {
				t.Errorf("download: %d, Content-Disposition %q", code, hdr.Get("Content-Disposition"))
			}
			code, hdr, body = s.raw(t, "GET", base+"/files/report.html")
			if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<html")) {
				t.Errorf("report.html: %d %q", code, hdr.Get("Content-Type"))
			}
			code, hdr, _ = s.raw(t, "GET", base+"/files/metadata.jsonl")
			if code != http.StatusOK || hdr.Get("Content-Type") != "application/x-ndjson" {
				t.Errorf("metadata.jsonl: %d %q", code, hdr.Get("Content-Type"))
			}
		})
	}
}

// Paths are confined to the job's output: what is not a plain relative
// key, what is not there, and a job asked for through the evaluation
// routes are refused with the error model.
func TestJobFilesRefused(t *testing.T) {
	s := newServer(t, false)
	id := s.runOversample(t, "file://"+s.root+"/out")
	other := s.runOversample(t, "file://"+s.root+"/out")
	base := "/v1/jobs/" + id + "/files"
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{base + "/data/../../" + other + "/report.html", 400, "'..'"},
		{base + "/%2e%2e/" + other + "/report.html", 400, "'..'"},
		{base + "/data//rare", 400, "empty segment"},
		{base + "/data/rare/nothing.png", 404, "GET /v1/jobs/" + id + "/files lists"},
		{base + "/data", 404, "no file"},
		{base + "/.tailsynth/x", 400, "reserved"},
		{"/v1/jobs/job_nope/files/report.html", 404, "no job"},
		{"/v1/jobs/job_nope/files", 404, "no job"},
		{"/v1/evaluations/" + id + "/files", 404, "it is a generate job"},
		{"/v1/evaluations/" + id + "/files/report.html", 404, "it is a generate job"},
		{base + "?limit=0", 400, "limit"},
		{base + "?limit=1001", 400, "limit"},
		{base + "?prefix=../", 400, "prefix"},
		{base + "?after=/x", 400, "after"},
	} {
		code, hdr, body := s.raw(t, "GET", tc.path)
		if code != tc.code || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || !bytes.Contains(body, []byte(tc.msg)) {
			t.Errorf("GET %s: %d %s, want %d with %q", tc.path, code, body, tc.code, tc.msg)
		}
	}
}

// With keys on, POST /v1/session turns a key into a cookie that reads
// (images, the report frame and downloads need no header) and never
// writes; logging out clears it.
func TestSessionCookie(t *testing.T) {
	const key = "0123456789abcdef-session-test"
	auth := []string{"Authorization", "Bearer " + key}
	s := newServerKeys(t, false, []string{key})
	id := s.runOversample(t, "file://"+s.root+"/out", auth...)
	file := "/v1/jobs/" + id + "/files/report.html"

	if code, _, resp := s.do(t, "GET", "/v1/session", ""); code != 200 || resp["auth"] != true || resp["authenticated"] != false {
		t.Errorf("GET /v1/session without a key: %d %v", code, resp)
	}
	if code, _, _ := s.raw(t, "GET", file); code != http.StatusUnauthorized {
		t.Errorf("a file without a key: %d", code)
	}
	if code, _, _ := s.raw(t, "POST", "/v1/session", "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("POST /v1/session with a wrong key: %d", code)
	}
	code, hdr, _ := s.raw(t, "POST", "/v1/session", auth...)
	if code != http.StatusNoContent {
		t.Fatalf("POST /v1/session: %d", code)
	}
	resp := &http.Response{Header: hdr}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v", cookies)
	}
	c := cookies[0]
	if c.Name != "tailsynth_session" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" ||
		c.MaxAge != 0 || !c.Expires.IsZero() || strings.Contains(c.Value, key) {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, a browser-session cookie without the key in it", c)
	}
	cookie := []string{"Cookie", c.Name + "=" + c.Value}

	if code, _, body := s.raw(t, "GET", file, cookie...); code != 200 || !bytes.Contains(body, []byte("<html")) {
		t.Errorf("GET a file with the cookie: %d", code)
	}
	if code, _, _ := s.raw(t, "HEAD", file, cookie...); code != 200 {
		t.Errorf("HEAD a file with the cookie: %d", code)
	}
	if code, _, resp := s.do(t, "GET", "/v1/session", "", cookie...); code != 200 || resp["authenticated"] != true {
		t.Errorf("GET /v1/session with the cookie: %d %v", code, resp)
	}
	// Writes need the header, whatever the cookie.
	code, _, body := s.raw(t, "POST", "/v1/jobs/"+id+"/retry", cookie...)
	if code != http.StatusUnauthorized || !bytes.Contains(body, []byte("only authenticates GET and HEAD")) {
		t.Errorf("POST with only the cookie: %d %s", code, body)
	}
	if code, _, _ := s.raw(t, "POST", "/v1/session", cookie...); code != http.StatusUnauthorized {
		t.Errorf("POST /v1/session with only the cookie: %d", code)
	}
	// A cookie that is not a key's token is refused.
	code, _, body = s.raw(t, "GET", file, "Cookie", "tailsynth_session="+strings.Repeat("0", 64))
	if code != http.StatusUnauthorized || !bytes.Contains(body, []byte("session cookie is not valid")) {
		t.Errorf("a forged cookie: %d %s", code, body)
	}
	// The header still works beside a stale cookie.
	if code, _, _ := s.raw(t, "GET", file, append(auth, "Cookie", "tailsynth_session=stale")...); code != 200 {
		t.Errorf("header with a stale cookie: %d", code)
	}
	code, hdr, _ = s.raw(t, "DELETE", "/v1/session")
	if out := (&http.Response{Header: hdr}).Cookies(); code != http.StatusNoContent || len(out) != 1 || out[0].MaxAge >= 0 {
		t.Errorf("DELETE /v1/session: %d, cookies %v (want one that expires it)", code, out)
	}
	// The console's paths pass without a key (here nothing serves them).
	if code, _, _ := s.raw(t, "GET", "/ui/app.js"); code != http.StatusNotFound {
		t.Errorf("GET /ui/app.js without a key: %d, want 404 (not 401)", code)
	}
}
