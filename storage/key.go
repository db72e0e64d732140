package storage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key accepted, in bytes (S3's limit).
const MaxKeyLen = 1024

// ReservedPrefix names the key segment that backends keep for their own
// bookkeeping; user keys may not start a segment with it.
const ReservedPrefix = ".tailsynth"

// ValidateKey checks a key against the rules every backend enforces: valid
// UTF-8 of 1 to MaxKeyLen bytes; slash-separated segments that are neither
// empty, "." nor ".."; no leading slash, backslash or NUL; no segment starting
// with ReservedPrefix. The error wraps ErrInvalidKey and says which rule the
// key broke.
func ValidateKey(key string) error {
	bad := func(why string) error {
		return fmt.Errorf("key %q: %s: %w", key, why, ErrInvalidKey)
	}
	switch {
	case key == "":
		return bad("empty; a key is a relative path such as \"cat/0001.png\"")
	case len(key) > MaxKeyLen:
		return bad(fmt.Sprintf("%d bytes long, at most %d are accepted", len(key), MaxKeyLen))
	case !utf8.ValidString(key):
		return bad("not valid UTF-8")
	case strings.ContainsAny(key, "\\\x00"):
		return bad("contains a backslash or NUL; use '/' between segments")
	case strings.HasPrefix(key, "/"):
		return bad("absolute; keys are relative paths without a leading '/'")
	}
	for _, seg := range strings.Split(key, "/") {
		switch {
		case seg == "":
			return bad("has an empty segment ('//' or a trailing '/')")
		case seg == "." || seg == "..":
			return bad("has a '.' or '..' segment")
		case strings.HasPrefix(seg, ReservedPrefix):
			return bad(fmt.Sprintf("segment %q starts with the reserved %q", seg, ReservedPrefix))
		}
	}
	return nil
}

// ValidatePrefix checks a listing prefix: empty, or a key (optionally ending
// in '/') that passes ValidateKey.
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := ValidateKey(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("prefix: %w", err)
	}
	return nil
}

// Join joins key segments with '/', dropping empty ones and doubled slashes.
func Join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.Trim(p, "/")
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(p)
	}
	return b.String()
}
