package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

// The tests below hold openapi.json to the code in four ways: its structure
// (well-formed, no duplicate keys, every $ref resolves, every component
// used, every operation complete), its routes against the router's, its
// request and response schemas against the Go types they describe, and the
// bodies the real handlers send against the documented responses.

var oasMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type oasOp struct {
	method, path string // "get", "/v1/jobs/{id}"
	op, item     map[string]any
}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

func oasOperations(doc map[string]any) []oasOp {
	var out []oasOp
	paths, _ := doc["paths"].(map[string]any)
	for p, v := range paths {
		item, _ := v.(map[string]any)
		for _, m := range oasMethods {
			if op, ok := item[m].(map[string]any); ok {
				out = append(out, oasOp{m, p, op, item})
			}
		}
	}
	slices.SortFunc(out, func(a, b oasOp) int { return strings.Compare(a.path+" "+a.method, b.path+" "+b.method) })
	return out
}

// oasResolveRef follows a local JSON pointer ("#/components/schemas/Job").
func oasResolveRef(doc map[string]any, ref string) (any, error) {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not a local reference (#/...)", ref)
	}
	var cur any = doc
	for _, tok := range strings.Split(p, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, tok)
		}
	}
	return cur, nil
}

// oasDeref follows $ref until it reaches an object without one.
func oasDeref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 16 {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("got %T, want an object", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if v, ok = oasMustResolve(t, doc, ref); !ok {
			return nil
		}
	}
	t.Fatalf("$ref chain longer than 16")
	return nil
}

func oasMustResolve(t *testing.T, doc map[string]any, ref string) (any, bool) {
	t.Helper()
	v, err := oasResolveRef(doc, ref)
	if err != nil {
		t.Error(err)
		return nil, false
	}
	return v, true
}

// oasDuplicateKey reports the first object key that appears twice:
// encoding/json keeps the last silently, which would hide an operation.
func oasDuplicateKey(dec *json.Decoder, at string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k := kt.(string)
			if seen[k] {
				return fmt.Errorf("%s: key %q appears twice", at, k)
			}
			seen[k] = true
			if err := oasDuplicateKey(dec, at+"/"+k); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := oasDuplicateKey(dec, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

func TestOpenAPIWellFormed(t *testing.T) {
	if err := oasDuplicateKey(json.NewDecoder(bytes.NewReader(OpenAPI())), "#"); err != nil {
		t.Fatal(err)
	}
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("openapi = %q, want 3.0.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	for _, k := range []string{"title", "version", "description"} {
		if s, _ := info[k].(string); s == "" {
			t.Errorf("info.%s is missing", k)
		}
	}
	if len(oasOperations(doc)) == 0 {
		t.Fatal("the document has no operations")
	}

	// Every $ref resolves, and every component is referenced.
	used := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := oasResolveRef(doc, ref); err != nil {
					t.Error(err)
				}
				used[ref] = true
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	comps, _ := doc["components"].(map[string]any)
	for kind, v := range comps {
		if kind == "securitySchemes" {
			continue // referenced by name from security requirements
		}
		for name := range v.(map[string]any) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never referenced; remove it or use it", ref)
			}
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	errSchema := "#/components/schemas/Error"
	ids := map[string]string{}
	for _, o := range oasOperations(doc) {
		name := strings.ToUpper(o.method) + " " + o.path
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", name)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s and %s share the operationId %q", prev, name, id)
		}
		ids[id] = name
		if s, _ := o.op["summary"].(string); s == "" {
			t.Errorf("%s has no summary", name)
		}

		responses, _ := o.op["responses"].(map[string]any)
		ok2xx := false
		for code, r := range responses {
			resp := oasDeref(t, doc, r)
			if d, _ := resp["description"].(string); d == "" {
				t.Errorf("%s response %s has no description", name, code)
			}
			switch code[0] {
			case '2':
				ok2xx = true
			case '3':
				// Only "not modified", for a conditional GET of a file.
				if code != "304" {
					t.Errorf("%s: response %s: the API redirects nowhere; only 304 is a 3xx answer", name, code)
				}
			case '4', '5':
				// Every error answer is the error model.
				content, _ := resp["content"].(map[string]any)
				mt, _ := content["application/json"].(map[string]any)
				schema, _ := mt["schema"].(map[string]any)
				if ref, _ := schema["$ref"].(string); ref != errSchema || len(content) != 1 {
					t.Errorf("%s response %s: want application/json with $ref %s only, got %v", name, code, errSchema, content)
				}
			default:
				t.Errorf("%s: response code %q is not a 2xx, 4xx or 5xx status", name, code)
			}
		}
		if !ok2xx {
			t.Errorf("%s has no 2xx response", name)
		}
		if _, ok := responses["500"]; !ok {
			t.Errorf("%s does not document 500", name)
		}

		// Path parameters: each {x} in the template is declared, required,
		// in the path; nothing else is declared in the path.
		declared := map[string]bool{}
		for _, list := range []any{o.item["parameters"], o.op["parameters"]} {
			params, _ := list.([]any)
			for _, p := range params {
				pm := oasDeref(t, doc, p)
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
					if pm["required"] != true {
						t.Errorf("%s: path parameter %v must be required", name, pm["name"])
					}
				}
			}
		}
		for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(o.path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", name, m[1])
			}
			delete(declared, m[1])
		}
		for p := range declared {
			t.Errorf("%s declares path parameter %q that the path lacks", name, p)
		}

		if rb, ok := o.op["requestBody"]; ok {
			body := oasDeref(t, doc, rb)
			content, _ := body["content"].(map[string]any)
			if _, ok := content["application/json"]; !ok || len(content) != 1 {
				t.Errorf("%s: request body must be application/json only (the server refuses others with 415), got %v", name, content)
			}
			if _, ok := responses["415"]; !ok {
				t.Errorf("%s takes a body but does not document 415", name)
			}
			if _, ok := responses["413"]; !ok {
				t.Errorf("%s takes a body but does not document 413", name)
			}
		}
		if sec, ok := o.op["security"].([]any); !ok || len(sec) > 0 {
			if _, ok := responses["401"]; !ok {
				t.Errorf("%s needs a key but does not document 401", name)
			}
		}
	}
}

var oasGinParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// oasRouteSet lists a router's routes as "METHOD /path/{param}".
func oasRouteSet(r *gin.Engine) map[string]bool {
	out := map[string]bool{}
	for _, ri := range r.Routes() {
		out[ri.Method+" "+oasGinParam.ReplaceAllString(ri.Path, "{$1}")] = true
	}
	return out
}

func oasRouter(keys ...string) *gin.Engine {
	return NewRouter(Options{
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		APIKeys: keys,
		Mount:   []func(gin.IRouter){(&V1{}).Mount, (&Models{}).Mount, MountOpenAPI},
	})
}

func TestOpenAPIMatchesRouter(t *testing.T) {
	routes := oasRouteSet(oasRouter())
	documented := map[string]bool{}
	for _, o := range oasOperations(loadOpenAPI(t)) {
		k := strings.ToUpper(o.method) + " " + o.path
		documented[k] = true
		if !routes[k] {
			t.Errorf("openapi.json documents %s, which the router does not serve", k)
		}
	}
	for k := range routes {
		if !documented[k] {
			t.Errorf("the router serves %s, which openapi.json does not document", k)
		}
	}
}

// TestOpenAPISecurity checks what the document says about keys against the
// router: an operation with "security: []" answers without a key, every
// other one answers 401 with the documented error model.
func TestOpenAPISecurity(t *testing.T) {
	doc := loadOpenAPI(t)
	r := oasRouter("0123456789abcdef-openapi")
	for _, o := range oasOperations(doc) {
		path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(o.path, "x")
		w := oasDo(r, strings.ToUpper(o.method), path, "")
		sec, ok := o.op["security"].([]any)
		open := ok && len(sec) == 0
		name := strings.ToUpper(o.method) + " " + o.path
		switch {
		case open && w.Code == http.StatusUnauthorized:
			t.Errorf("%s is documented as open but answers 401 without a key", name)
		case !open && w.Code != http.StatusUnauthorized:
			t.Errorf("%s without a key = %d, want 401 (the document says it needs a key)", name, w.Code)
		}
		oasCheckResponse(t, doc, o.method, o.path, w)
	}
}

func TestOpenAPIServed(t *testing.T) {
	w := oasDo(oasRouter(), "GET", "/openapi.json", "")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /openapi.json = %d, want 200", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if !bytes.Equal(w.Body.Bytes(), OpenAPI()) {
		t.Error("GET /openapi.json is not the embedded document")
	}
}

// oasJSONFields returns the JSON object keys encoding/json writes for t, with
// their Go types; embedded structs without a tag are inlined.
func oasJSONFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range oasJSONFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// oasJSONType is the JSON Schema type encoding/json writes for t, or "" when
// it depends on the value (interfaces, custom marshalers, raw JSON).
func oasJSONType(t reflect.Type) (typ, format string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "string", "date-time"
	case t == reflect.TypeFor[json.RawMessage](),
		t.Implements(reflect.TypeFor[json.Marshaler]()), reflect.PointerTo(t).Implements(reflect.TypeFor[json.Marshaler]()):
		return "", ""
	}
	switch t.Kind() {
	case reflect.String:
		return "string", ""
	case reflect.Bool:
		return "boolean", ""
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer", ""
	case reflect.Float32, reflect.Float64:
		return "number", ""
	case reflect.Map, reflect.Struct:
		return "object", ""
	case reflect.Slice, reflect.Array:
		return "array", ""
	}
	return "", ""
}

// TestOpenAPISchemasMatchGoTypes checks each schema that describes a Go
// type: the same property names, compatible types, and, for request
// bodies (decoded with unknown fields refused), additionalProperties
// false.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	tests := []struct {
		schema  string
		typ     reflect.Type
		request bool
	}{
		{"RegisterDatasetRequest", reflect.TypeFor[registerRequest](), true},
		{"InspectRequest", reflect.TypeFor[inspectRequest](), true},
		{"PlanRequest", reflect.TypeFor[planRequest](), true},
		{"JobRequest", reflect.TypeFor[JobRequest](), true},
		{"ScheduleRequest", reflect.TypeFor[scheduleRequest](), true},
		{"Error", reflect.TypeFor[errorBody](), false},
		{"ErrorDetail", reflect.TypeFor[Error](), false},
		{"ReadyCheck", reflect.TypeFor[checkResult](), false},
		{"Dataset", reflect.TypeFor[datasets.Registered](), false},
		{"Job", reflect.TypeFor[jobs.Job](), false},
		{"JobSpec", reflect.TypeFor[generators.Spec](), false},
		{"Progress", reflect.TypeFor[generators.Progress](), false},
		{"ClassProgress", reflect.TypeFor[generators.ClassProgress](), false},
		{"Result", reflect.TypeFor[pipeline.Result](), false},
		{"Schedule", reflect.TypeFor[jobs.Schedule](), false},
		{"Inspection", reflect.TypeFor[datasets.Inspection](), false},
		{"ClassSummary", reflect.TypeFor[datasets.ClassSummary](), false},
		{"Problem", reflect.TypeFor[datasets.Problem](), false},
		{"GeneratorInfo", reflect.TypeFor[generators.Info](), false},
		{"ParamInfo", reflect.TypeFor[generators.ParamInfo](), false},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			v, ok := oasMustResolve(t, doc, "#/components/schemas/"+tt.schema)
			if !ok {
				return
			}
			s := v.(map[string]any)
			props, _ := s["properties"].(map[string]any)
			fields := oasJSONFields(tt.typ)
			for name, ft := range fields {
				p, ok := props[name]
				if !ok {
					t.Errorf("%s has JSON field %q; the schema does not document it", tt.typ, name)
					continue
				}
				want, wantFormat := oasJSONType(ft)
				ps := oasDeref(t, doc, p)
				if got, _ := ps["type"].(string); want != "" && got != want {
					t.Errorf("property %q: schema type %q, want %q for Go type %s", name, got, want, ft)
				}
				if got, _ := ps["format"].(string); wantFormat != "" && got != wantFormat {
					t.Errorf("property %q: schema format %q, want %q for Go type %s", name, got, wantFormat, ft)
				}
			}
			for name := range props {
				if _, ok := fields[name]; !ok {
					t.Errorf("the schema documents %q, which %s does not have", name, tt.typ)
				}
			}
			req, _ := s["required"].([]any)
			for _, r := range req {
				if _, ok := props[r.(string)]; !ok {
					t.Errorf("required %q is not a property", r)
				}
			}
			if tt.request && s["additionalProperties"] != false {
				t.Error("a request body schema must say additionalProperties: false; the server refuses unknown fields")
			}
		})
	}
}

// oasValidate checks a decoded JSON value against a schema. It knows the
// subset of OpenAPI 3.0 the document uses: $ref, type, format date-time,
// enum, properties, required, additionalProperties, items, oneOf, minimum,
// maximum. Unlike JSON Schema, an object schema that does not mention
// additionalProperties allows no undocumented keys: a field the server
// sends must be documented.
func oasValidate(doc map[string]any, v any, s map[string]any, at string) []string {
	for s["$ref"] != nil {
		r, err := oasResolveRef(doc, s["$ref"].(string))
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		s = r.(map[string]any)
	}
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, alt := range one {
			if len(oasValidate(doc, v, alt.(map[string]any), at)) == 0 {
				n++
			}
		}
		if n != 1 {
			bad("%v matches %d of the oneOf alternatives, want 1", v, n)
		}
		return errs
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch s["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("got %T, want an object", v)
			return errs
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := m[r.(string)]; !ok {
				bad("required %q is missing", r)
			}
		}
		for k, val := range m {
			if p, ok := props[k]; ok {
				errs = append(errs, oasValidate(doc, val, p.(map[string]any), at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case map[string]any:
				errs = append(errs, oasValidate(doc, val, ap, at+"."+k)...)
			case bool:
				if !ap {
					bad("undocumented property %q", k)
				}
			default:
				bad("undocumented property %q", k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			bad("got %T, want an array", v)
			return errs
		}
		items, _ := s["items"].(map[string]any)
		for i, e := range a {
			errs = append(errs, oasValidate(doc, e, items, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("got %T, want a string", v)
		} else if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				bad("%q is not an RFC 3339 date-time", str)
			}
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok {
			bad("got %T, want a number", v)
			return errs
		}
		if s["type"] == "integer" && f != float64(int64(f)) {
			bad("%v is not an integer", f)
		}
		if lo, ok := s["minimum"].(float64); ok && (f < lo || (f == lo && s["exclusiveMinimum"] == true)) {
			bad("%v is below the minimum %v", f, lo)
		}
		if hi, ok := s["maximum"].(float64); ok && f > hi {
			bad("%v is above the maximum %v", f, hi)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("got %T, want a boolean", v)
		}
	}
	return errs
}

// oasCheckResponse checks that the status of w is documented for the
// operation and that its body is the documented schema.
func oasCheckResponse(t *testing.T, doc map[string]any, method, path string, w *httptest.ResponseRecorder) {
	t.Helper()
	name := fmt.Sprintf("%s %s -> %d", strings.ToUpper(method), path, w.Code)
	op, err := oasResolveRef(doc, "#/paths/"+strings.ReplaceAll(path, "/", "~1")+"/"+strings.ToLower(method))
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	r, ok := op.(map[string]any)["responses"].(map[string]any)[fmt.Sprint(w.Code)]
	if !ok {
		t.Errorf("%s: the status is not documented (body %s)", name, w.Body)
		return
	}
	resp := oasDeref(t, doc, r)
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if w.Body.Len() != 0 {
			t.Errorf("%s: documented without a body, got %q", name, w.Body)
		}
		return
	}
	ct, _, _ := strings.Cut(w.Header().Get("Content-Type"), ";")
	mt, ok := content[ct].(map[string]any)
	if !ok {
		t.Errorf("%s: Content-Type %q is not documented", name, ct)
		return
	}
	if ct != "application/json" {
		return
	}
	var body any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Errorf("%s: body is not JSON: %v", name, err)
		return
	}
	for _, e := range oasValidate(doc, body, mt["schema"].(map[string]any), "body") {
		t.Errorf("%s: %s", name, e)
	}
}

// oasJobs is an in-memory JobQueue, DatasetRegistry, ScheduleRegistry and
// EvaluationQueue: enough for every /v1 route to answer. The embedded
// interfaces keep it compiling when one grows.
type oasJobs struct {
	JobQueue
	DatasetRegistry
	ScheduleRegistry
	EvaluationQueue
	pipeline  *pipeline.Pipeline
	mu        sync.Mutex
	jobs      map[string]*jobs.Job
	datasets  map[string]*datasets.Registered
	schedules map[string]*jobs.Schedule
	submitted int
}

func (f *oasJobs) Check(ctx context.Context, spec generators.Spec) (*pipeline.Prepared, error) {
	pr, _, err := f.pipeline.Prepare(ctx, spec)
	return pr, err
}

func (f *oasJobs) Plan(ctx context.Context, spec generators.Spec) (*pipeline.Prepared, error) {
	return f.Check(ctx, spec)
}

func (f *oasJobs) Submit(_ context.Context, spec generators.Spec, _, scheduleID string) (*jobs.Job, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	f.submitted++
	spec.ID = fmt.Sprintf("job_%d", f.submitted)
	// A finished job, so that every optional part (progress, result,
	// timings) is shown and the event stream ends at once.
	j := &jobs.Job{ID: spec.ID, State: jobs.StateSucceeded, Spec: spec, Attempts: 1, Worker: "host:1", ScheduleID: scheduleID,
		Output: spec.Output + "/" + spec.ID, CreatedAt: now, StartedAt: &now, FinishedAt: &now, UpdatedAt: now,
		Progress: &generators.Progress{Stage: "done", Classes: map[string]generators.ClassProgress{"rare": {Done: 2, Total: 2}},
			Details: map[string]any{"step": 1}},
		Result:  &pipeline.Result{Output: spec.Output + "/" + spec.ID, Files: 2, Added: map[string]int{"rare": 2}},
		Timings: map[string]float64{"queued_s": 0, "running_s": 0.1}}
	f.jobs[j.ID] = j
	return j, true, nil
}

func (f *oasJobs) Get(_ context.Context, id string) (*jobs.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if j, ok := f.jobs[id]; ok {
		return j, nil
	}
	return nil, jobs.ErrNotFound
}

func (f *oasJobs) List(context.Context, jobs.ListOptions) ([]*jobs.Job, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*jobs.Job
	for _, j := range f.jobs {
		out = append(out, j)
	}
	return out, "1700000000000.job_0", nil
}

func (f *oasJobs) Cancel(ctx context.Context, id string) (*jobs.Job, error) {
	j, err := f.Get(ctx, id)
	if err == nil && jobs.Terminal(j.State) {
		return nil, &jobs.FinishedError{ID: j.ID, State: j.State}
	}
	return j, err
}

func (f *oasJobs) Watch(string) (<-chan struct{}, func()) { return make(chan struct{}), func() {} }

func (f *oasJobs) RegisterDataset(_ context.Context, d datasets.Registered) (*datasets.Registered, error) {
	d.CreatedAt = time.Now().UTC()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.datasets[d.Name] = &d
	return &d, nil
}

func (f *oasJobs) GetDataset(_ context.Context, name string) (*datasets.Registered, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.datasets[name]; ok {
		return d, nil
	}
	return nil, jobs.ErrNotFound
}

func (f *oasJobs) ListDatasets(context.Context) ([]*datasets.Registered, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*datasets.Registered
	for _, d := range f.datasets {
		out = append(out, d)
	}
	return out, nil
}

func (f *oasJobs) DeleteDataset(ctx context.Context, name string) error {
	if _, err := f.GetDataset(ctx, name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.datasets, name)
	return nil
}

func (f *oasJobs) CreateSchedule(_ context.Context, s jobs.Schedule) (*jobs.Schedule, error) {
	s.ID, s.CreatedAt, s.NextRunAt = "sch_1", time.Now().UTC(), time.Now().UTC().Add(time.Hour)
	last := s.CreatedAt
	s.LastRunAt, s.LastJobID, s.LastSkipReason = &last, "job_1", "dataset unchanged since the last run"
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schedules[s.ID] = &s
	return &s, nil
}

func (f *oasJobs) GetSchedule(_ context.Context, id string) (*jobs.Schedule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.schedules[id]; ok {
		return s, nil
	}
	return nil, jobs.ErrNotFound
}

func (f *oasJobs) ListSchedules(context.Context) ([]*jobs.Schedule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*jobs.Schedule
	for _, s := range f.schedules {
		out = append(out, s)
	}
	return out, nil
}

func (f *oasJobs) DeleteSchedule(ctx context.Context, id string) error {
	if _, err := f.GetSchedule(ctx, id); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.schedules, id)
	return nil
}

// oasDataset writes a two-class folder dataset of tiny PNGs: 3 "common",
// 1 "rare", one unreadable file and one skipped file.
func oasDataset(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"common/a.png": buf.Bytes(), "common/b.png": buf.Bytes(), "common/c.png": buf.Bytes(),
		"rare/a.png": buf.Bytes(), "rare/broken.png": []byte("not a png"), "notes.txt": []byte("x"),
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestOpenAPIResponses drives every route of the real handlers (over an
// in-memory job service and a local dataset) and checks each answer, the
// errors included, against the documented status and schema.
func TestOpenAPIResponses(t *testing.T) {
	doc := loadOpenAPI(t)
	dataset := oasDataset(t)
	reg := generators.NewRegistry()
	if err := reg.Register(generators.Oversample{}); err != nil {
		t.Fatal(err)
	}
	pl := &pipeline.Pipeline{Registry: reg, Open: func(_ context.Context, uri string) (storage.Store, error) {
		loc, err := storage.ParseLocation(uri)
		if err != nil {
			return nil, err
		}
		st, err := local.New(loc.Path)
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { st.Close() })
		return st, nil
	}}
	now := time.Now().UTC()
	queued := &jobs.Job{ID: "job_queued", Kind: jobs.KindGenerate, State: jobs.StateQueued, Output: "file:///out/job_queued", CreatedAt: now, UpdatedAt: now,
		Spec: generators.Spec{ID: "job_queued", Dataset: "file://" + dataset, Generator: "oversample", Strategy: generators.Strategy{Mode: generators.ModeAuto}, Output: "file:///out"}}
	svc := &oasJobs{pipeline: pl, jobs: map[string]*jobs.Job{queued.ID: queued}, datasets: map[string]*datasets.Registered{}, schedules: map[string]*jobs.Schedule{}}
	v1 := &V1{Jobs: svc, Datasets: svc, Schedules: svc, Evaluations: svc, Pipeline: pl, Resolve: storage.ParseLocation, DefaultOutput: "file://" + t.TempDir(), MaxSamples: 1000}
	r := NewRouter(Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready:  []ReadyCheck{{Name: "storage", Check: func(context.Context) error { return nil }}},
		Mount:  []func(gin.IRouter){v1.Mount, MountOpenAPI},
	})
	ds := "file://" + dataset
	steps := []struct {
		method, path, template, body string
		hdr                          []string
		want                         int
	}{
		{"GET", "/healthz", "/healthz", "", nil, 200},
		{"GET", "/readyz", "/readyz", "", nil, 200},
		{"GET", "/v1/generators", "/v1/generators", "", nil, 200},
		{"POST", "/v1/datasets", "/v1/datasets", `{"name":"demo","location":"` + ds + `","description":"two classes"}`, nil, 201},
		{"POST", "/v1/datasets", "/v1/datasets", `{"name":"demo","bogus":1}`, nil, 400},
		{"POST", "/v1/datasets", "/v1/datasets", `{}`, []string{"Content-Type", "text/plain"}, 415},
		{"GET", "/v1/datasets", "/v1/datasets", "", nil, 200},
		{"GET", "/v1/datasets/demo", "/v1/datasets/{name}", "", nil, 200},
		{"GET", "/v1/datasets/nope", "/v1/datasets/{name}", "", nil, 404},
		{"POST", "/v1/inspect", "/v1/inspect", `{"dataset":"demo","header_sample":0}`, nil, 200},
		{"POST", "/v1/plan", "/v1/plan", `{"dataset":"demo","strategy":"minority"}`, nil, 200},
		{"POST", "/v1/plan", "/v1/plan", `{"dataset":"demo","strategy":{"add":{"rare":2}}}`, nil, 200},
		{"POST", "/v1/plan", "/v1/plan", `{"dataset":"demo","strategy":1}`, nil, 200},
		{"POST", "/v1/plan", "/v1/plan", `{"dataset":"demo","strategy":"sometimes"}`, nil, 400},
		{"POST", "/v1/jobs", "/v1/jobs", `{"dataset":"demo","generator":"oversample","params":{"max_bytes":1000},"seed":7}`, []string{"Idempotency-Key", "k1"}, 202},
		{"POST", "/v1/jobs", "/v1/jobs", `{"dataset":"demo","generator":"oversample"}`, []string{"Idempotency-Key", "k2"}, 400},
		{"GET", "/v1/jobs?state=succeeded&limit=10", "/v1/jobs", "", nil, 200},
		{"GET", "/v1/jobs?limit=0", "/v1/jobs", "", nil, 400},
		{"GET", "/v1/jobs/job_1", "/v1/jobs/{id}", "", nil, 200},
		{"GET", "/v1/jobs/nope", "/v1/jobs/{id}", "", nil, 404},
		{"POST", "/v1/jobs/job_queued/cancel", "/v1/jobs/{id}/cancel", "", nil, 202},
		{"POST", "/v1/jobs/job_1/cancel", "/v1/jobs/{id}/cancel", "", nil, 409},
		{"GET", "/v1/jobs/job_1/events", "/v1/jobs/{id}/events", "", nil, 200},
		{"GET", "/v1/jobs/nope/events", "/v1/jobs/{id}/events", "", nil, 404},
		{"POST", "/v1/schedules", "/v1/schedules", `{"name":"nightly","cron":"@daily","job":{"dataset":"demo","generator":"oversample","seed":1},"only_if_changed":true}`, nil, 201},
		{"POST", "/v1/schedules", "/v1/schedules", `{"cron":"@daily","job":{"dataset":"demo","generator":"oversample"}}`, nil, 400},
		{"GET", "/v1/schedules", "/v1/schedules", "", nil, 200},
		{"GET", "/v1/schedules/sch_1", "/v1/schedules/{id}", "", nil, 200},
		{"DELETE", "/v1/schedules/sch_1", "/v1/schedules/{id}", "", nil, 204},
		{"DELETE", "/v1/schedules/sch_1", "/v1/schedules/{id}", "", nil, 404},
		{"DELETE", "/v1/datasets/demo", "/v1/datasets/{name}", "", nil, 204},
		{"GET", "/metrics", "/metrics", "", nil, 200},
		{"GET", "/openapi.json", "/openapi.json", "", nil, 200},
	}
	for _, s := range steps {
		w := oasDo(r, s.method, s.path, s.body, s.hdr...)
		if w.Code != s.want {
			t.Errorf("%s %s = %d %s, want %d", s.method, s.path, w.Code, w.Body, s.want)
		}
		oasCheckResponse(t, doc, s.method, s.template, w)
		if strings.HasSuffix(s.template, "/events") && w.Code == 200 {
			oasCheckEvents(t, doc, w.Body.String())
		}
	}
}

// oasCheckEvents checks a server-sent event stream against the document: job
// events carry a Job, and it ends with one end event.
func oasCheckEvents(t *testing.T, doc map[string]any, stream string) {
	t.Helper()
	schemas := map[string]string{"job": "Job", "end": "JobEndEvent"}
	var events []string
	event := ""
	sc := bufio.NewScanner(strings.NewReader(stream))
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		} else if data, ok := strings.CutPrefix(line, "data: "); ok {
			events = append(events, event)
			schema, known := schemas[event]
			if !known {
				t.Errorf("event %q is not documented", event)
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(data), &v); err != nil {
				t.Errorf("event %s: data is not JSON: %v", event, err)
				continue
			}
			for _, e := range oasValidate(doc, v, map[string]any{"$ref": "#/components/schemas/" + schema}, "event "+event) {
				t.Error(e)
			}
		}
	}
	if len(events) < 2 || events[0] != "job" || events[len(events)-1] != "end" {
		t.Errorf("events = %v, want job first and end last", events)
	}
}

// TestValidateRejects keeps the test validator honest: each case must fail.
func TestOpenAPIValidatorRejects(t *testing.T) {
	doc := loadOpenAPI(t)
	tests := []struct {
		name, schema, body string
	}{
		{"undocumented property", "Dataset", `{"name":"a","location":"file:///d","created_at":"2025-01-02T03:04:05Z","extra":1}`},
		{"missing required", "Dataset", `{"name":"a","created_at":"2025-01-02T03:04:05Z"}`},
		{"wrong type", "ClassProgress", `{"done":"1","total":2}`},
		{"not an integer", "ClassProgress", `{"done":1.5,"total":2}`},
		{"below minimum", "ClassProgress", `{"done":-1,"total":2}`},
		{"not in enum", "JobEndEvent", `{"state":"paused"}`},
		{"bad date-time", "Dataset", `{"name":"a","location":"file:///d","created_at":"yesterday"}`},
		{"no oneOf matches", "Strategy", `{"counts":{"a":1},"add":{"b":2}}`},
		{"ratio of 0", "Strategy", `0`},
		{"array item", "DatasetList", `{"datasets":[{"name":"a"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.body), &v); err != nil {
				t.Fatal(err)
			}
			if errs := oasValidate(doc, v, map[string]any{"$ref": "#/components/schemas/" + tt.schema}, "body"); len(errs) == 0 {
				t.Errorf("oasValidate(%s, %s) found nothing wrong", tt.schema, tt.body)
			}
		})
	}
	var ok any
	_ = json.Unmarshal([]byte(`{"name":"a","location":"file:///d","created_at":"2025-01-02T03:04:05Z"}`), &ok)
	if errs := oasValidate(doc, ok, map[string]any{"$ref": "#/components/schemas/Dataset"}, "body"); len(errs) != 0 {
		t.Errorf("a valid dataset: %v", errs)
	}
}

func oasDo(r http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}
