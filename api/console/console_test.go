package console_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/api/console"
)

func router() *gin.Engine {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	console.Mount(r)
	return r
}

func get(t *testing.T, r http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestRedirects(t *testing.T) {
	r := router()
	for _, p := range []string{"/", "/ui"} {
		w := get(t, r, http.MethodGet, p)
		if w.Code != http.StatusFound || w.Header().Get("Location") != "/ui/" {
			t.Errorf("GET %s: got %d to %q, want 302 to /ui/", p, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestAssets(t *testing.T) {
	r := router()
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/ui/", "text/html; charset=utf-8", `<script type="module" src="app.js">`},
		{"/ui/index.html", "text/html; charset=utf-8", "<main"},
		{"/ui/app.js", "text/javascript; charset=utf-8", "import"},
		{"/ui/style.css", "text/css; charset=utf-8", ":focus-visible"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			w := get(t, r, http.MethodGet, tc.path)
			if w.Code != http.StatusOK {
				t.Fatalf("got %d, want 200", w.Code)
			}
			if got := w.Header().Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy %q: want script-src 'self' and nothing inline", csp)
			}
			if !strings.Contains(w.Body.String(), tc.contains) {
				t.Errorf("body does not hold %q", tc.contains)
			}
		})
	}
	if w := get(t, r, http.MethodHead, "/ui/app.js"); w.Code != http.StatusOK {
		t.Errorf("HEAD /ui/app.js: got %d, want 200", w.Code)
	}
}

func TestMissingAssets(t *testing.T) {
	r := router()
	for _, p := range []string{"/ui/nope.js", "/ui/../go.mod", "/ui/%2e%2e/console.go", "/ui/assets/app.js"} {
		w := get(t, r, http.MethodGet, p)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", p, w.Code)
		}
		if !strings.Contains(w.Body.String(), `"code":"not_found"`) {
			t.Errorf("GET %s: body %s, want the API's error model", p, w.Body)
		}
	}
}

// TestModulesResolve checks that every module the console imports, and
// every file index.html names, is embedded: a typo would only show as a
// blank page in a browser.
func TestModulesResolve(t *testing.T) {
	imports := regexp.MustCompile(`(?m)^import .* from '\./([\w.-]+)';$|(?:src|href)="([\w.-]+\.(?:js|css))"`)
	files, err := fs.Glob(console.Assets, "*")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".js") && !strings.HasSuffix(f, ".html") {
			continue
		}
		b, err := fs.ReadFile(console.Assets, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imports.FindAllStringSubmatch(string(b), -1) {
			name := m[1] + m[2]
			seen[name] = true
			if _, err := fs.Stat(console.Assets, name); err != nil {
				t.Errorf("%s refers to %s, which is not embedded", f, name)
			}
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".js") && f != "app.js" && !seen[f] {
			t.Errorf("%s is embedded but nothing imports it", f)
		}
	}
	if !seen["app.js"] || !seen["style.css"] {
		t.Errorf("index.html does not load app.js and style.css (found %v)", seen)
	}
}
