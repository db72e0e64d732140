package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/errkind"
)

// ModelCatalog is what the model routes need of the trained-model store
// (the one gangen writes; the service provides it). A model is answered as
// its JSON encoding: api does not look inside it.
type ModelCatalog interface {
	// ValidateID returns an error for an id that cannot be a model id.
	ValidateID(id string) error
	// List returns every complete model, newest first.
	List(ctx context.Context) ([]any, error)
	// Get returns one model's metadata; an id that names no model returns
	// an error of kind errkind.NotFound.
	Get(ctx context.Context, id string) (any, error)
}

// Models serves the trained-model routes: GET /v1/models and
// GET /v1/models/{id}.
type Models struct {
	// Catalog is the model store; nil answers 503, no model store is
	// configured.
	Catalog ModelCatalog
}

// ModelList is the body of GET /v1/models.
type ModelList struct {
	Models []any `json:"models"`
}

// Mount adds the model routes to r.
func (m *Models) Mount(r gin.IRouter) {
	g := r.Group("/v1")
	g.GET("/models", handle(m.list))
	g.GET("/models/:id", handle(m.get))
}

func (m *Models) catalog() (ModelCatalog, error) {
	if m.Catalog == nil {
		return nil, Errorf(http.StatusServiceUnavailable, CodeUnavailable, "no model store is configured")
	}
	return m.Catalog, nil
}

// list answers every complete model, newest first.
func (m *Models) list(c *gin.Context) (int, any, error) {
	cat, err := m.catalog()
	if err != nil {
		return 0, nil, err
	}
	list, err := cat.List(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ModelList{Models: nonNil(list)}, nil
}

// get answers one model's metadata: 400 for an id that cannot be a model
// id, 404 for one that names no model.
func (m *Models) get(c *gin.Context) (int, any, error) {
	id := c.Param("id")
	cat, err := m.catalog()
	if err != nil {
		return 0, nil, err
	}
	if err := cat.ValidateID(id); err != nil {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "%v", err)
	}
	meta, err := cat.Get(c.Request.Context(), id)
	if errkind.Of(err) == errkind.NotFound {
		return 0, nil, Errorf(http.StatusNotFound, CodeNotFound, "no model %q; GET /v1/models lists the stored models", id)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, meta, nil
}
