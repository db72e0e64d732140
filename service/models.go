package service

import (
	"context"

	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage"
)

// modelCatalog is the api.ModelCatalog of the model store gangen writes.
// The store is opened per request: it may be remote. An unknown id is
// modelstore.ErrNotFound, of kind errkind.NotFound, which api answers 404.
type modelCatalog struct {
	open func(ctx context.Context) (storage.Store, error)
}

func (modelCatalog) ValidateID(id string) error { return modelstore.ValidateID(id) }

func (m modelCatalog) List(ctx context.Context) ([]any, error) {
	st, err := m.open(ctx)
	if err != nil {
		return nil, err
	}
	list, err := modelstore.New(st).List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i, meta := range list {
		out[i] = meta
	}
	return out, nil
}

func (m modelCatalog) Get(ctx context.Context, id string) (any, error) {
	st, err := m.open(ctx)
	if err != nil {
		return nil, err
	}
	meta, err := modelstore.New(st).Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return meta, nil
}
