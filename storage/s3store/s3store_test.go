package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
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

// TestServerErrorsAreUnavailable: an S3 server that answers 5xx (overloaded,
// failing: SlowDown, InternalError, a proxy's 502/504) once minio-go has
// retried is unavailable, a fault of the moment that jobs wait out, not a
// failure of the request.
func TestServerErrorsAreUnavailable(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead && r.URL.Path == "/bucket/" || r.URL.Path == "/bucket" {
					return // the bucket exists
				}
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(status)
				fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			}))
			defer srv.Close()
			st, err := s3store.New(context.Background(), s3store.Config{Endpoint: srv.URL, AccessKey: "a", SecretKey: "b", Region: "us-east-1",
				BucketLookup: "path", MaxRetries: 1}, "bucket")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Stat(context.Background(), "k"); !errors.Is(err, storage.ErrUnavailable) {
				t.Errorf("Stat: %v, want ErrUnavailable", err)
			}
			if _, err := st.Put(context.Background(), "k", strings.NewReader("x"), 1, storage.PutOptions{}); !errors.Is(err, storage.ErrUnavailable) {
				t.Errorf("Put: %v, want ErrUnavailable", err)
			}
		})
	}
}
