package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage"
)

// Models serves the trained-model routes: GET /v1/models and
// GET /v1/models/{id}.
type Models struct {
	// Open returns the model store's location (the one given to
	// gangen.Register). It is opened per request: the store may be remote.
	Open func(ctx context.Context) (storage.Store, error)
}

// ModelList is the body of GET /v1/models.
type ModelList struct {
	Models []modelstore.Meta `json:"models"`
}

// Mount adds the model routes to r.
func (m *Models) Mount(r gin.IRouter) {
	g := r.Group("/v1")
	g.GET("/models", handle(m.list))
	g.GET("/models/:id", handle(m.get))
}

func (m *Models) store(ctx context.Context) (*modelstore.Store, error) {
	if m.Open == nil {
		return nil, Errorf(http.StatusServiceUnavailable, CodeUnavailable, "no model store is configured")
	}
	st, err := m.Open(ctx)
	if err != nil {
		return nil, err
	}
	return modelstore.New(st), nil
}

// list answers every complete model, newest first.
func (m *Models) list(c *gin.Context) (int, any, error) {
	st, err := m.store(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	list, err := st.List(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ModelList{Models: nonNil(list)}, nil
}

// get answers one model's metadata: 400 for an id that cannot be a model
// id, 404 for one that names no model.
func (m *Models) get(c *gin.Context) (int, any, error) {
	id := c.Param("id")
	if err := modelstore.ValidateID(id); err != nil {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "%v", err)
	}
	st, err := m.store(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	meta, err := st.Get(c.Request.Context(), id)
	if errors.Is(err, modelstore.ErrNotFound) {
		return 0, nil, Errorf(http.StatusNotFound, CodeNotFound, "no model %q; GET /v1/models lists the stored models", id)
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, meta, nil
}
