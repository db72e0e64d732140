package storage

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Location names a place in storage: a directory on the local filesystem or
// a bucket and prefix on an S3 server.
type Location struct {
	// Scheme is "file" or "s3".
	Scheme string
	// Bucket is the S3 bucket; empty for "file".
	Bucket string
	// Path is, for "file", the absolute cleaned directory; for "s3", the
	// key prefix inside the bucket without leading or trailing slashes
	// (empty for the whole bucket).
	Path string
}

// ParseLocation parses "s3://bucket/prefix", "file:///abs/path" or a plain
// absolute path. Errors wrap ErrInvalidLocation and say what is accepted.
func ParseLocation(s string) (Location, error) {
	bad := func(why string) (Location, error) {
		return Location{}, fmt.Errorf("location %q: %s; accepted: s3://bucket/prefix, file:///absolute/path or /absolute/path: %w",
			s, why, ErrInvalidLocation)
	}
	if s == "" {
		return bad("empty")
	}
	if strings.HasPrefix(s, "/") {
		return fileLocation(s, bad)
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URI")
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return bad("file URIs name no host (use three slashes: file:///path)")
		}
		return fileLocation(u.Path, bad)
	case "s3":
		if err := ValidateBucketName(u.Host); err != nil {
			return bad(err.Error())
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return bad("s3 locations take no user, query or fragment")
		}
		prefix := strings.Trim(u.Path, "/")
		if prefix != "" {
			if err := ValidateKey(prefix); err != nil {
				return bad("bad prefix: " + err.Error())
			}
		}
		return Location{Scheme: "s3", Bucket: u.Host, Path: prefix}, nil
	case "":
		return bad("relative paths are not accepted")
	default:
		return bad(fmt.Sprintf("unsupported scheme %q", u.Scheme))
	}
}

func fileLocation(p string, bad func(string) (Location, error)) (Location, error) {
	if !filepath.IsAbs(p) {
		return bad("file path is not absolute")
	}
	if strings.ContainsRune(p, 0) {
		return bad("path contains NUL")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return bad("path contains '..'")
		}
	}
	return Location{Scheme: "file", Path: filepath.Clean(p)}, nil
}

// String returns the canonical URI of l.
func (l Location) String() string {
	switch l.Scheme {
	case "s3":
		if l.Path == "" {
			return "s3://" + l.Bucket
		}
		return "s3://" + l.Bucket + "/" + l.Path
	case "file":
		return "file://" + l.Path
	}
	return ""
}

// Real returns l as it is on disk now: for a file location, the path with
// every symlink in its longest existing ancestor resolved (the rest, not
// yet created, appended as it is); other locations unchanged. Two file
// locations are the same directory exactly when their Real paths are, as
// long as no link changes in between.
func (l Location) Real() Location {
	if l.Scheme != "file" {
		return l
	}
	rest := ""
	for cur := l.Path; ; cur = filepath.Dir(cur) {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			l.Path = filepath.Join(real, rest)
			return l
		}
		if cur == filepath.Dir(cur) {
			return l
		}
		rest = filepath.Join(filepath.Base(cur), rest)
	}
}

// Within reports whether l is sub or lies below it: the same scheme and
// bucket, and a path prefix that ends at a segment boundary.
func (l Location) Within(sub Location) bool {
	if l.Scheme != sub.Scheme || l.Bucket != sub.Bucket {
		return false
	}
	if sub.Path == "" || sub.Path == "/" {
		return true
	}
	return l.Path == sub.Path || strings.HasPrefix(l.Path, strings.TrimSuffix(sub.Path, "/")+"/")
}

// Child returns the location of a key below l.
func (l Location) Child(key string) Location {
	c := l
	if l.Scheme == "file" {
		c.Path = filepath.Join(l.Path, filepath.FromSlash(key))
	} else {
		c.Path = Join(l.Path, key)
	}
	return c
}

// ValidateBucketName checks the S3 bucket naming rules (3-63 characters of
// lower-case letters, digits, '.', '-', starting and ending with a letter or
// digit).
func ValidateBucketName(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters", b)
	}
	for i, r := range b {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-'
		if !ok {
			return fmt.Errorf("bucket name %q may hold only lower-case letters, digits, '.' and '-'", b)
		}
		if (i == 0 || i == len(b)-1) && (r == '.' || r == '-') {
			return fmt.Errorf("bucket name %q must start and end with a letter or digit", b)
		}
	}
	return nil
}
