// Package s3store is the S3 backend of storage.Store, for any S3-compatible
// server (AWS S3, MinIO, Ceph RGW, SeaweedFS, versitygw), through minio-go.
//
// A Store is bound to one bucket. Objects larger than one part are uploaded
// in parts (multipart upload), so an object is visible whole or not at all.
// Errors from minio-go are translated into the storage sentinels.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/tailsynth/tailsynth/storage"
)

// Config says how to reach the S3 server.
type Config struct {
	// Endpoint is host[:port] or a URL ("http://127.0.0.1:7070"); a URL's
	// scheme sets Secure.
	Endpoint string
	// Region, e.g. "us-east-1". Empty lets the client discover it.
	Region string
	// Secure selects HTTPS.
	Secure bool
	// BucketLookup is "auto" (default), "path" or "virtual-host".
	BucketLookup string
	// AccessKey and SecretKey are static credentials. When both are empty
	// the usual chain is used: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
	// (and AWS_SESSION_TOKEN), MINIO_ROOT_USER/MINIO_ROOT_PASSWORD, the
	// shared credentials file (~/.aws/credentials, AWS_PROFILE), then the
	// instance or task role (IAM).
	AccessKey    string
	SecretKey    string
	SessionToken string
	// PartSize is the multipart part size in bytes (default 16 MiB, at
	// least 5 MiB). It also bounds the memory a streaming upload of
	// unknown size buffers.
	PartSize uint64
	// CreateBucket makes New create a missing bucket instead of failing.
	CreateBucket bool
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// MaxRetries bounds minio-go's retries of a failed request (default
	// 10, with backoff).
	MaxRetries int
}

// DefaultPartSize is the multipart part size used when Config.PartSize is 0.
const DefaultPartSize = 16 << 20

// Store is a storage.Store on one S3 bucket.
type Store struct {
	client   *minio.Client
	bucket   string
	partSize uint64
	endpoint string
}

var _ storage.Store = (*Store)(nil)

// NewClient builds a minio-go client from cfg without contacting the server.
func NewClient(cfg Config) (*minio.Client, error) {
	endpoint := cfg.Endpoint
	secure := cfg.Secure
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("s3 endpoint %q: want host:port or http(s)://host:port", cfg.Endpoint)
		}
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("s3 endpoint %q: must not have a path (the bucket goes in the location)", cfg.Endpoint)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	if endpoint == "" {
		return nil, errors.New("s3 endpoint is empty; set storage.s3.endpoint (e.g. s3.amazonaws.com or 127.0.0.1:9000)")
	}
	var lookup minio.BucketLookupType
	switch cfg.BucketLookup {
	case "", "auto":
		lookup = minio.BucketLookupAuto
	case "path":
		lookup = minio.BucketLookupPath
	case "virtual-host", "dns":
		lookup = minio.BucketLookupDNS
	default:
		return nil, fmt.Errorf("s3 bucket_lookup %q: accepted values are auto, path, virtual-host", cfg.BucketLookup)
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		if cfg.AccessKey == "" || cfg.SecretKey == "" {
			return nil, errors.New("s3 credentials: give both access_key and secret_key, or neither to use the environment/credential chain")
		}
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.EnvMinio{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{},
		})
	}
	return minio.New(endpoint, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
		MaxRetries:   cfg.MaxRetries,
	})
}

// New connects to the server and checks that bucket exists (creating it when
// cfg.CreateBucket is set). An unreachable endpoint, refused credentials and
// a missing bucket each give one error that wraps ErrUnavailable,
// ErrPermission or ErrBucketNotFound.
func New(ctx context.Context, cfg Config, bucket string) (*Store, error) {
	if err := storage.ValidateBucketName(bucket); err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	client, err := NewClient(cfg)
	if err != nil {
		return nil, err
	}
	part := cfg.PartSize
	if part == 0 {
		part = DefaultPartSize
	}
	if part < 5<<20 {
		return nil, fmt.Errorf("s3 part size %d bytes: S3 accepts at least 5 MiB (5242880)", part)
	}
	s := &Store{client: client, bucket: bucket, partSize: part, endpoint: client.EndpointURL().String()}
	err = s.Check(ctx)
	if errors.Is(err, storage.ErrBucketNotFound) && cfg.CreateBucket {
		if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return nil, s.translate("", err)
			}
		}
		err = s.Check(ctx)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Check implements storage.Store: the bucket must exist and the credentials
// must be accepted.
func (s *Store) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.translate("", err)
	}
	if !ok {
		return fmt.Errorf("s3 bucket %q at %s does not exist (create it, or set storage.s3.create_buckets: true): %w",
			s.bucket, s.endpoint, storage.ErrBucketNotFound)
	}
	return nil
}

// Put implements storage.Store. The ObjectInfo it returns comes from the
// PUT's response and the options, without a HEAD: Key, Size, ETag,
// ContentType and UserMetadata (keys lower-cased) are set; ModTime is zero
// unless the server's answer carried it (S3 does not return it to a PUT).
// Call Stat for the server's modification time.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	po := minio.PutObjectOptions{
		ContentType:  opts.ContentType,
		UserMetadata: opts.UserMetadata,
		PartSize:     s.partSize,
	}
	if po.ContentType == "" {
		po.ContentType = "application/octet-stream"
	}
	if opts.IfNotExists {
		po.SetMatchETagExcept("*")
	}
	up, err := s.client.PutObject(ctx, s.bucket, key, r, size, po)
	if err != nil {
		return storage.ObjectInfo{}, s.translate(key, err)
	}
	if size >= 0 && up.Size != size {
		return storage.ObjectInfo{}, fmt.Errorf("put %q: stored %d bytes, the caller said %d: %w", key, up.Size, size, io.ErrUnexpectedEOF)
	}
	// The PUT's answer says what was stored; a HEAD after it would double
	// the requests of a job writing many small files (issue 17).
	return s.info(minio.ObjectInfo{
		Key:          key,
		Size:         up.Size,
		ETag:         up.ETag,
		LastModified: up.LastModified,
		ContentType:  po.ContentType,
		UserMetadata: opts.UserMetadata,
	}), nil
}

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, storage.ObjectInfo{}, s.translate(key, err)
	}
	oi, err := obj.Stat() // GetObject is lazy: this surfaces not-found
	if err != nil {
		obj.Close()
		return nil, storage.ObjectInfo{}, s.translate(key, err)
	}
	return obj, s.info(oi), nil
}

// Stat implements storage.Store.
func (s *Store) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return storage.ObjectInfo{}, s.translate(key, err)
	}
	return s.info(oi), nil
}

// List implements storage.Store. minio-go pages through ListObjectsV2 (1000
// keys a page) behind the iterator.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) iter.Seq2[storage.ObjectInfo, error] {
	return func(yield func(storage.ObjectInfo, error) bool) {
		if err := storage.ValidatePrefix(prefix); err != nil {
			yield(storage.ObjectInfo{}, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel() // stops minio-go's lister when the caller breaks early
		for oi := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
			Prefix: prefix, Recursive: true, StartAfter: opts.StartAfter,
		}) {
			if oi.Err != nil {
				if ctx.Err() != nil {
					yield(storage.ObjectInfo{}, ctx.Err())
				} else {
					yield(storage.ObjectInfo{}, s.translate(prefix, oi.Err))
				}
				return
			}
			if strings.HasSuffix(oi.Key, "/") {
				continue // a "directory marker" object, not data
			}
			if !yield(s.info(oi), nil) {
				return
			}
		}
		if err := ctx.Err(); err != nil {
			yield(storage.ObjectInfo{}, err)
		}
	}
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		err = s.translate(key, err)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

func (s *Store) info(oi minio.ObjectInfo) storage.ObjectInfo {
	info := storage.ObjectInfo{
		Key:         oi.Key,
		Size:        oi.Size,
		ModTime:     oi.LastModified,
		ETag:        strings.Trim(oi.ETag, `"`),
		ContentType: oi.ContentType,
	}
	if len(oi.UserMetadata) > 0 {
		info.UserMetadata = make(map[string]string, len(oi.UserMetadata))
		for k, v := range oi.UserMetadata {
			info.UserMetadata[strings.ToLower(k)] = v
		}
	}
	return info
}

// translate maps minio-go and network errors onto the storage sentinels.
func (s *Store) translate(key string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	where := fmt.Sprintf("s3://%s/%s at %s", s.bucket, key, s.endpoint)
	if s.bucket == "" {
		where = "S3 endpoint " + s.endpoint
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%s: %w", where, storage.ErrNotFound)
	case "NoSuchBucket":
		return fmt.Errorf("%s: bucket %q does not exist: %w", where, s.bucket, storage.ErrBucketNotFound)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "AllAccessDisabled":
		return fmt.Errorf("%s: %s (check the access key, secret key and the bucket policy): %w", where, resp.Code, storage.ErrPermission)
	case "PreconditionFailed":
		return fmt.Errorf("%s: %w", where, storage.ErrExists)
	}
	switch resp.StatusCode {
	case http.StatusPreconditionFailed:
		return fmt.Errorf("%s: %w", where, storage.ErrExists)
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		// Overloaded or failing (SlowDown, InternalError, a proxy's
		// 502/504), still so after minio-go's retries: a fault of the
		// moment, as an endpoint that does not answer.
		return fmt.Errorf("%s: the S3 server answered %d %s: %v: %w", where, resp.StatusCode, resp.Code, err, storage.ErrUnavailable)
	}
	var netErr net.Error
	var urlErr *url.Error
	if errors.As(err, &netErr) || errors.As(err, &urlErr) {
		return fmt.Errorf("%s: cannot reach the S3 endpoint (is it running, and is storage.s3.endpoint right?): %v: %w", where, err, storage.ErrUnavailable)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// Ping checks that the endpoint answers and accepts the credentials,
// without naming a bucket. Credentials that may not list buckets
// (AccessDenied) still count as accepted.
func Ping(ctx context.Context, cfg Config) error {
	cfg.MaxRetries = 1 // a probe: answer now, do not back off for a minute
	client, err := NewClient(cfg)
	if err != nil {
		return err
	}
	s := &Store{client: client, endpoint: client.EndpointURL().String()}
	if _, err := client.ListBuckets(ctx); err != nil {
		if minio.ToErrorResponse(err).Code == "AccessDenied" {
			return nil
		}
		return s.translate("", err)
	}
	return nil
}
