package main

import (
	"path/filepath"
	"regexp"
	"strings"
)

// registeredName is the shape of a registered dataset's name (as the
// server's dataset registry accepts it): no '/', so never a path.
var registeredName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// datasetArg turns a dataset argument into what the server reads: a URI
// (s3://..., file:///...), an absolute path or a registered name goes as
// it is; a relative path ("data/datasets/toy", "./toy", "..") is made
// absolute against the working directory, as a shell user means it. The
// server must see the same files (it resolves paths on its own machine).
func datasetArg(s string) string {
	if registeredName.MatchString(s) {
		return s
	}
	return locationArg(s)
}

// locationArg is datasetArg for a location that cannot be a name (an
// output, a dataset being registered): any relative path is made absolute.
func locationArg(s string) string {
	if s == "" || strings.Contains(s, "://") || filepath.IsAbs(s) {
		return s
	}
	if abs, err := filepath.Abs(s); err == nil {
		return abs
	}
	return s
}
