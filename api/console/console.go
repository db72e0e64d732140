// Package console serves tailsynth's web console: a few static files
// (HTML, CSS and JavaScript modules, no build step) embedded in the binary,
// which talk to the /v1 API from the browser. GET / redirects to /ui/, and
// /ui/... serves the files; the console's pages are hash routes of
// /ui/ (#/jobs, #/jobs/{id}, #/new, #/evaluations, #/models, #/schedules).
//
// The assets hold no secrets and answer without an API key; the console
// asks GET /v1/session whether the server needs one, keeps the key the
// user enters in sessionStorage, sends it as a bearer token, and has
// POST /v1/session set the cookie that lets <img>, <iframe> and download
// links read job files.
package console

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

//go:embed assets
var embedded embed.FS

// Assets are the console's files, index.html at the root.
var Assets fs.FS = mustSub(embedded, "assets")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // a programming error: the embedded folder is missing
	}
	return s
}

// contentSecurityPolicy lets the console load only its own files: no
// inline script, nothing from another origin. Job reports are framed from
// /v1 (same origin) and hold their pictures as data: URIs.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Mount adds GET / (a redirect to /ui/) and GET|HEAD /ui/... to r.
func Mount(r gin.IRouter) {
	redirect := func(c *gin.Context) { c.Redirect(http.StatusFound, "/ui/") }
	r.GET("/", redirect)
	r.HEAD("/", redirect)
	r.GET("/ui", redirect)
	r.GET("/ui/*path", serve)
	r.HEAD("/ui/*path", serve)
}

// serve answers one embedded file; /ui/ is index.html. A path that names
// no file is a 404 in the API's error model shape.
func serve(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("path")), "/")
	if name == "" {
		name = "index.html"
	}
	b, err := fs.ReadFile(Assets, name)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found",
			"message": "no console file " + c.Request.URL.Path + "; the console is at /ui/"}})
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// The files change with the binary: revalidate each time (cheap, they
	// are small), so an upgraded server never runs an old module.
	h.Set("Cache-Control", "no-cache")
	c.Data(http.StatusOK, contentType(name), b)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}
