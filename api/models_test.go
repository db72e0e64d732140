package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

// storeCatalog is a ModelCatalog over a modelstore opened per request, as
// the service wires it.
type storeCatalog struct {
	open func(context.Context) (storage.Store, error)
}

func (storeCatalog) ValidateID(id string) error { return modelstore.ValidateID(id) }

func (s storeCatalog) List(ctx context.Context) ([]any, error) {
	st, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	list, err := modelstore.New(st).List(ctx)
	out := make([]any, len(list))
	for i, m := range list {
		out[i] = m
	}
	return out, err
}

func (s storeCatalog) Get(ctx context.Context, id string) (any, error) {
	st, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	return modelstore.New(st).Get(ctx, id)
}

func modelsRouter(open func(context.Context) (storage.Store, error)) *gin.Engine {
	return NewRouter(Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Mount:  []func(gin.IRouter){(&Models{Catalog: storeCatalog{open}}).Mount},
	})
}

// TestModelsRoutes stores two models and a half-written one, and checks
// every answer against the documented status and schema.
func TestModelsRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ms := modelstore.New(st)
	ctx := context.Background()
	old, newer := "m_00000000000000aa", "m_00000000000000bb"
	for i, id := range []string{old, newer} {
		meta := &modelstore.Meta{
			ID: id, CreatedAt: time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC), Generator: "wgan-gp", Kind: "image",
			Classes: []string{"a", "b"}, TrainingCounts: map[string]int{"a": 10, "b": 1}, DatasetFingerprint: "sha256:00",
			Architecture: json.RawMessage(`{"arch":"conv"}`), Hyperparameters: json.RawMessage(`{"lambda":10}`),
			Input: json.RawMessage(`{"kind":"image"}`), Params: json.RawMessage(`{"steps":2}`),
			Training:         modelstore.Training{Steps: 2, Seconds: 0.5, Stop: "steps", History: []modelstore.Point{{Step: 2}}},
			TailsynthVersion: "dev", GorgoniaVersion: "v0.9.18", BLAS: "gonum (pure Go)", SourceJob: "job_1",
		}
		if err := ms.Put(ctx, meta, []byte("weights")); err != nil {
			t.Fatal(err)
		}
	}
	// A model whose model.json was never written is not listed.
	if _, err := st.Put(ctx, "m_00000000000000cc/model.tsm", strings.NewReader("w"), 1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	r := modelsRouter(func(context.Context) (storage.Store, error) { return st, nil })
	steps := []struct {
		path, template string
		want           int
	}{
		{"/v1/models", "/v1/models", 200},
		{"/v1/models/" + newer, "/v1/models/{id}", 200},
		{"/v1/models/m_0000000000000001", "/v1/models/{id}", 404},
		{"/v1/models/..", "/v1/models/{id}", 400},
		{"/v1/models/m_XYZ", "/v1/models/{id}", 400},
	}
	for _, s := range steps {
		w := oasDo(r, "GET", s.path, "")
		if w.Code != s.want {
			t.Errorf("GET %s = %d %s, want %d", s.path, w.Code, w.Body, s.want)
		}
		oasCheckResponse(t, doc, "get", s.template, w)
	}
	var list struct{ Models []modelstore.Meta }
	if err := json.Unmarshal(oasDo(r, "GET", "/v1/models", "").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Models) != 2 || list.Models[0].ID != newer || list.Models[1].ID != old {
		t.Errorf("GET /v1/models lists %+v, want %s then %s", list.Models, newer, old)
	}

	down := modelsRouter(func(context.Context) (storage.Store, error) {
		return nil, fmt.Errorf("dial: %w", storage.ErrUnavailable)
	})
	for _, s := range []struct{ path, template string }{{"/v1/models", "/v1/models"}, {"/v1/models/" + old, "/v1/models/{id}"}} {
		w := oasDo(down, "GET", s.path, "")
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("GET %s with the store down = %d, want 503", s.path, w.Code)
		}
		oasCheckResponse(t, doc, "get", s.template, w)
	}
}

// TestModelsOpenAPI holds the model routes' documentation to the code:
// its $refs resolve, and the schemas name the Go types' JSON fields.
func TestModelsOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, err := oasResolveRef(doc, ref); err != nil {
					t.Error(err)
				}
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
	walk(doc["paths"].(map[string]any)["/v1/models"])
	walk(doc["paths"].(map[string]any)["/v1/models/{id}"])
	for _, tt := range []struct {
		schema string
		typ    reflect.Type
	}{
		{"ModelList", reflect.TypeFor[ModelList]()},
		{"Model", reflect.TypeFor[modelstore.Meta]()},
		{"ModelTraining", reflect.TypeFor[modelstore.Training]()},
		{"ModelLosses", reflect.TypeFor[modelstore.Losses]()},
		{"ModelLossPoint", reflect.TypeFor[modelstore.Point]()},
		{"ModelCheckpoint", reflect.TypeFor[modelstore.Checkpoint]()},
	} {
		v, ok := oasMustResolve(t, doc, "#/components/schemas/"+tt.schema)
		if !ok {
			continue
		}
		props, _ := v.(map[string]any)["properties"].(map[string]any)
		fields := oasJSONFields(tt.typ)
		for name, ft := range fields {
			p, ok := props[name]
			if !ok {
				t.Errorf("%s: JSON field %q is not documented", tt.schema, name)
				continue
			}
			want, _ := oasJSONType(ft)
			if got, _ := oasDeref(t, doc, p)["type"].(string); want != "" && got != want {
				t.Errorf("%s.%s: schema type %q, want %q for Go type %s", tt.schema, name, got, want, ft)
			}
		}
		for name := range props {
			if _, ok := fields[name]; !ok {
				t.Errorf("%s documents %q, which %s does not have", tt.schema, name, tt.typ)
			}
		}
	}
}
