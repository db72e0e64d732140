package service

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/local"
)

// TestModelCatalog serves the model routes from the modelstore-backed
// catalog the service wires, and checks that the model store's errors keep
// their HTTP statuses: 404 for an unknown id, 400 for an id that cannot be
// one (even while the store is down), 503 while the store does not answer.
func TestModelCatalog(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const id = "m_00000000000000aa"
	if err := modelstore.New(st).Put(context.Background(), &modelstore.Meta{ID: id, Generator: "wgan-gp", Kind: "image"}, []byte("w")); err != nil {
		t.Fatal(err)
	}
	router := func(open func(context.Context) (storage.Store, error)) http.Handler {
		return api.NewRouter(api.Options{
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Mount:  []func(gin.IRouter){(&api.Models{Catalog: modelCatalog{open: open}}).Mount},
		})
	}
	up := router(func(context.Context) (storage.Store, error) { return st, nil })
	down := router(func(context.Context) (storage.Store, error) {
		return nil, fmt.Errorf("dial: %w", storage.ErrUnavailable)
	})
	for _, tt := range []struct {
		name string
		h    http.Handler
		path string
		want int
	}{
		{"list", up, "/v1/models", http.StatusOK},
		{"get", up, "/v1/models/" + id, http.StatusOK},
		{"unknown id", up, "/v1/models/m_0000000000000001", http.StatusNotFound},
		{"invalid id", up, "/v1/models/m_XYZ", http.StatusBadRequest},
		{"list, store down", down, "/v1/models", http.StatusServiceUnavailable},
		{"get, store down", down, "/v1/models/" + id, http.StatusServiceUnavailable},
		{"invalid id, store down", down, "/v1/models/m_XYZ", http.StatusBadRequest},
	} {
		w := httptest.NewRecorder()
		tt.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if w.Code != tt.want {
			t.Errorf("%s: GET %s = %d %s, want %d", tt.name, tt.path, w.Code, w.Body, tt.want)
		}
		if tt.name == "list" {
			var list struct{ Models []modelstore.Meta }
			if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list.Models) != 1 || list.Models[0].ID != id {
				t.Errorf("GET /v1/models = %s (%v), want model %s", w.Body, err, id)
			}
		}
	}
}
