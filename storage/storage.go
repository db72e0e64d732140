package storage

import (
	"context"
	"io"
	"iter"
	"time"

	"github.com/tailsynth/tailsynth/errkind"
)

// Sentinel errors. Backends wrap them (with %w) so that callers can test for
// them with errors.Is; each carries its errkind.Kind, which sets the API's
// HTTP status and a job's retry decision.
var (
	// ErrNotFound reports that an object does not exist.
	ErrNotFound = errkind.New(errkind.NotFound, "object not found")
	// ErrExists reports that an object already exists where a write asked
	// for it not to (PutOptions.IfNotExists).
	ErrExists = errkind.New(errkind.Conflict, "object already exists")
	// ErrInvalidKey reports a key that breaks the rules of ValidateKey.
	ErrInvalidKey = errkind.New(errkind.Malformed, "invalid key")
	// ErrBucketNotFound reports that an S3 bucket does not exist.
	ErrBucketNotFound = errkind.New(errkind.NotFound, "bucket not found")
	// ErrPermission reports refused credentials or access.
	ErrPermission = errkind.New(errkind.Permission, "permission denied")
	// ErrUnavailable reports that the backend could not be reached, or
	// answered that it is overloaded or failing (an S3 5xx): a fault of the
	// moment, which jobs wait out (jobs.storage_retry_window).
	ErrUnavailable = errkind.New(errkind.Unavailable, "storage unavailable")
	// ErrLocationNotAllowed reports a location outside the configured roots
	// or buckets.
	ErrLocationNotAllowed = errkind.New(errkind.Permission, "location not allowed")
	// ErrInvalidLocation reports a location URI that cannot be parsed.
	ErrInvalidLocation = errkind.New(errkind.Malformed, "invalid location")
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key          string            `json:"key"`
	Size         int64             `json:"size"`
	ModTime      time.Time         `json:"mod_time"`
	ETag         string            `json:"etag,omitempty"`
	ContentType  string            `json:"content_type,omitempty"`
	UserMetadata map[string]string `json:"user_metadata,omitempty"`
}

// PutOptions are the optional settings of a write.
type PutOptions struct {
	// ContentType is stored with the object ("image/png"). Empty means
	// application/octet-stream.
	ContentType string
	// UserMetadata is stored with the object. Keys are case-insensitive
	// ASCII words ([A-Za-z0-9-]); S3 returns them canonicalised, so
	// backends return them lower-cased.
	UserMetadata map[string]string
	// IfNotExists makes the write fail with ErrExists when the key already
	// holds an object, so that a job never overwrites what a user stored.
	IfNotExists bool
}

// ListOptions are the optional settings of a listing.
type ListOptions struct {
	// StartAfter lists only keys that sort strictly after it, for
	// pagination: pass the last key of the previous page.
	StartAfter string
}

// Store is an object store. All methods take a context first and stop early
// when it is cancelled. Implementations are safe for concurrent use.
type Store interface {
	// Put streams r into key. size is the length of r, or -1 when unknown.
	// The object appears whole or not at all: a reader never sees a
	// partial object, and a failed or cancelled Put leaves no object.
	// The ObjectInfo returned has the key, size, ETag, content type and
	// user metadata of the write; its ModTime may be zero (S3 does not
	// return one to a PUT): Stat gives it.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	// Get opens key for streaming. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Stat returns what is known of key without reading it.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List yields the objects whose keys start with prefix, in ascending
	// key order, fetching them page by page: it never loads the whole
	// listing into memory. An error ends the sequence.
	List(ctx context.Context, prefix string, opts ListOptions) iter.Seq2[ObjectInfo, error]
	// Delete removes key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Check reports whether the store is usable (for readiness probes).
	Check(ctx context.Context) error
}
