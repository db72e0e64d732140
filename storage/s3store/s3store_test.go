package s3store_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/s3store"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

func TestAcceptance(t *testing.T) {
	srv := storagetest.S3(t)
	storagetest.AcceptanceTest(t, srv.NewStore(t))
}

func TestAcceptanceSub(t *testing.T) {
	srv := storagetest.S3(t)
	storagetest.AcceptanceTest(t, storage.Sub(srv.NewStore(t), "team/a"))
}

func TestStartupErrors(t *testing.T) {
	srv := storagetest.S3(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cfg := srv.Config()
	if _, err := s3store.New(ctx, cfg, "no-such-bucket-xyz"); !errors.Is(err, storage.ErrBucketNotFound) {
		t.Errorf("missing bucket error = %v, want ErrBucketNotFound", err)
	}

	bad := cfg
	bad.SecretKey = "wrong-secret"
	if _, err := s3store.New(ctx, bad, srv.NewBucket(t)); !errors.Is(err, storage.ErrPermission) {
		t.Errorf("wrong credentials error = %v, want ErrPermission", err)
	}

	down := cfg
	down.Endpoint = "http://127.0.0.1:1" // nothing listens on port 1
	if _, err := s3store.New(ctx, down, "some-bucket"); !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("unreachable endpoint error = %v, want ErrUnavailable", err)
	}

	create := cfg
	create.CreateBucket = true
	if _, err := s3store.New(ctx, create, "created-on-demand"); err != nil {
		t.Errorf("CreateBucket: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []s3store.Config{
		{Endpoint: ""},
		{Endpoint: "ftp://x"},
		{Endpoint: "http://h:1/path"},
		{Endpoint: "h:1", BucketLookup: "sideways"},
		{Endpoint: "h:1", AccessKey: "only-access"},
	} {
		if _, err := s3store.NewClient(c); err == nil {
			t.Errorf("NewClient(%+v) succeeded, want an error", c)
		}
	}
}
