package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// A job's output, listed and served through the service, for local and S3
// outputs alike: GET /v1/jobs/{id}/files lists it a page at a time, GET
// /v1/jobs/{id}/files/{path} streams one file (Range requests included:
// local files and S3 objects are both seekable, and a seek on an S3 object
// is a ranged GET). Keys are relative to the job's output prefix and pass
// storage.ValidateKey, and the store is opened at that prefix, so no path
// reaches another job, another prefix or another bucket. The same routes
// under /v1/evaluations answer for evaluations only.

// FileInfo is one file of a job's output.
type FileInfo struct {
	// Path is the key relative to the job's output ("report.html").
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	ModTime     string `json:"mod_time,omitempty"`
	ContentType string `json:"content_type"`
}

// FileList is the body of GET /v1/jobs/{id}/files.
type FileList struct {
	// Output is the job's output location.
	Output string     `json:"output"`
	Files  []FileInfo `json:"files"`
	// NextAfter, when set, is the after= of the next page.
	NextAfter string `json:"next_after,omitempty"`
}

const (
	defaultFilePage = 200
	maxFilePage     = 1000
)

func (v *V1) mountFiles(g gin.IRouter) {
	g.GET("/jobs/:id/files", handle(v.listFiles("")))
	g.GET("/jobs/:id/files/*path", v.serveFile(""))
	g.HEAD("/jobs/:id/files/*path", v.serveFile(""))
	g.GET("/evaluations/:id/files", handle(v.listFiles(jobs.KindEvaluate)))
	g.GET("/evaluations/:id/files/*path", v.serveFile(jobs.KindEvaluate))
	g.HEAD("/evaluations/:id/files/*path", v.serveFile(jobs.KindEvaluate))
}

// outputJob looks up the job of the route; kind, when set, is the kind the
// route serves (evaluations).
func (v *V1) outputJob(c *gin.Context, kind string) (*jobs.Job, error) {
	id := c.Param("id")
	what := "job"
	if kind == jobs.KindEvaluate {
		what = "evaluation"
	}
	j, err := v.Jobs.Get(c.Request.Context(), id)
	if err != nil {
		return nil, notFound(err, what, id)
	}
	if kind != "" && j.Kind != kind {
		return nil, Errorf(http.StatusNotFound, CodeNotFound, "no %s %q: it is a %s job; see /v1/jobs/%s/files", what, id, j.Kind, id)
	}
	if j.Output == "" {
		return nil, Errorf(http.StatusNotFound, CodeNotFound, "%s %q has no output location", what, id)
	}
	return j, nil
}

func (v *V1) listFiles(kind string) func(c *gin.Context) (int, any, error) {
	return func(c *gin.Context) (int, any, error) {
		limit := defaultFilePage
		if s := c.Query("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxFilePage {
				return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "limit=%q: want a whole number from 1 to %d", s, maxFilePage)
			}
			limit = n
		}
		prefix, after := c.Query("prefix"), c.Query("after")
		if err := storage.ValidatePrefix(prefix); err != nil {
			return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "prefix=%q is not a folder of the output: %v; give a relative folder such as \"samples/\"", prefix, err)
		}
		if after != "" {
			if err := storage.ValidateKey(after); err != nil {
				return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "after=%q: %v; pass the next_after of the previous page", after, err)
			}
		}
		j, err := v.outputJob(c, kind)
		if err != nil {
			return 0, nil, err
		}
		ctx := c.Request.Context()
		st, err := v.Pipeline.Open(ctx, j.Output)
		if err != nil {
			return 0, nil, fmt.Errorf("output %s: %w", j.Output, err)
		}
		out := FileList{Output: j.Output, Files: []FileInfo{}}
		for info, err := range st.List(ctx, prefix, storage.ListOptions{StartAfter: after}) {
			if err != nil {
				return 0, nil, fmt.Errorf("list %s: %w", j.Output, err)
			}
			if len(out.Files) == limit {
				out.NextAfter = out.Files[limit-1].Path
				break
			}
			fi := FileInfo{Path: info.Key, Size: info.Size, ContentType: contentType(info)}
			if !info.ModTime.IsZero() {
				fi.ModTime = info.ModTime.UTC().Format("2006-01-02T15:04:05.000Z07:00")
			}
			out.Files = append(out.Files, fi)
		}
		return http.StatusOK, out, nil
	}
}

// serveFile streams one file of the output. ?download=1 asks the browser
// to save it. Every answer carries "Content-Security-Policy: sandbox": a
// file is shown in an origin of its own with scripts off, so an HTML file
// in an output (a report, or anything else written under the prefix)
// cannot act with the console's session.
func (v *V1) serveFile(kind string) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := strings.TrimPrefix(c.Param("path"), "/")
		if key == "" {
			c.Redirect(http.StatusFound, strings.TrimSuffix(c.Request.URL.Path, "/"))
			return
		}
		if err := storage.ValidateKey(key); err != nil {
			respondError(c, Errorf(http.StatusBadRequest, CodeValidation, "file path %q: %v; paths are relative to the job's output, as GET .../files lists them", key, err))
			return
		}
		j, err := v.outputJob(c, kind)
		if err != nil {
			respondError(c, err)
			return
		}
		ctx := c.Request.Context()
		st, err := v.Pipeline.Open(ctx, j.Output)
		if err != nil {
			respondError(c, fmt.Errorf("output %s: %w", j.Output, err))
			return
		}
		rc, info, err := st.Get(ctx, key)
		if err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				err = Errorf(http.StatusNotFound, CodeNotFound, "no file %q in the output of %s; GET /v1/jobs/%s/files lists what there is", key, j.ID, j.ID)
			}
			respondError(c, err)
			return
		}
		defer rc.Close()
		h := c.Writer.Header()
		h.Set("Content-Type", contentType(info))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'; media-src 'self'")
		h.Set("Cache-Control", "private, no-cache")
		if info.ETag != "" {
			h.Set("ETag", strconv.Quote(strings.Trim(info.ETag, `"`)))
		}
		if c.Query("download") != "" {
			h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)}))
		}
		if rs, ok := rc.(io.ReadSeeker); ok {
			http.ServeContent(&rangeErrorWriter{ResponseWriter: c.Writer, size: info.Size}, c.Request, "", info.ModTime, rs)
			return
		}
		// A store whose reader cannot seek: the whole file, no ranges.
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		c.Status(http.StatusOK)
		if c.Request.Method != http.MethodHead {
			io.Copy(c.Writer, rc) //nolint:errcheck // the client went away; nothing to tell it
		}
	}
}

// fileTypes are the types of the files tailsynth writes that Go's table
// does not know, or knows under another name.
var fileTypes = map[string]string{
	".jsonl":   "application/x-ndjson",
	".csv":     "text/csv; charset=utf-8",
	".parquet": "application/vnd.apache.parquet",
	".npy":     "application/octet-stream",
	".wav":     "audio/wav",
	".txt":     "text/plain; charset=utf-8",
	".md":      "text/markdown; charset=utf-8",
}

// contentType is the stored type of a file, or the type its name says when
// none was stored.
func contentType(info storage.ObjectInfo) string {
	if ct := info.ContentType; ct != "" && ct != "application/octet-stream" && ct != "binary/octet-stream" {
		return ct
	}
	ext := strings.ToLower(path.Ext(info.Key))
	if ct, ok := fileTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	if path.Base(info.Key) == "_SUCCESS" {
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// rangeErrorWriter turns http.ServeContent's plain-text 416 (a Range that
// the file does not overlap) into the API's JSON error.
type rangeErrorWriter struct {
	http.ResponseWriter
	size    int64
	refused bool
}

func (w *rangeErrorWriter) WriteHeader(status int) {
	if status != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.refused = true
	body, _ := json.Marshal(errorBody{Error: &Error{Status: status, Code: CodeBadRequest,
		Message: fmt.Sprintf("the Range header asks for bytes outside the file, which has %d bytes; ask for a range within bytes=0-%d", w.size, max(w.size-1, 0))}})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.ResponseWriter.WriteHeader(status)
	w.ResponseWriter.Write(body) //nolint:errcheck // the client went away
}

func (w *rangeErrorWriter) Write(p []byte) (int, error) {
	if w.refused {
		return len(p), nil // http.Error's text, replaced above
	}
	return w.ResponseWriter.Write(p)
}
