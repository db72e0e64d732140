package service_test

import (
	"context"

	"github.com/tailsynth/tailsynth/storage/s3store"
)

func storeFor(cfg s3store.Config, bucket string) (*s3store.Store, error) {
	return s3store.New(context.Background(), cfg, bucket)
}
