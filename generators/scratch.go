package generators

import (
	"context"
	"strings"

	"github.com/tailsynth/tailsynth/storage"
)

// RemoveScratch deletes a job's scratch space, WorkDir, from its output
// out (<output>/<job id>/): what a generator kept across attempts, such as
// a GAN trainer's checkpoint. With nested it also deletes the scratch of
// the jobs whose outputs lie inside out (an evaluation's methods,
// methods/<name>/[seed-<s>/]_work/): every WorkDir folder that is not
// inside a DataDir (a class may be named like it). Everything else stays.
// It returns the number of files deleted; it stops at the first error.
//
// The job layer calls it when a job ends succeeded or cancelled; a job
// that may run again (retrying, or interrupted by a shutdown) and a failed
// one, which can be retried, keep their scratch so that the next attempt
// resumes from it.
func RemoveScratch(ctx context.Context, out storage.Store, nested bool) (int, error) {
	prefix := WorkDir + "/"
	if nested {
		prefix = ""
	}
	var keys []string
	for info, err := range out.List(ctx, prefix, storage.ListOptions{}) {
		if err != nil {
			return 0, err
		}
		if isScratch(info.Key) {
			keys = append(keys, info.Key)
		}
	}
	for i, k := range keys {
		if err := out.Delete(ctx, k); err != nil {
			return i, err
		}
	}
	return len(keys), nil
}

// isScratch reports whether key lies in a WorkDir folder that is not
// inside a DataDir.
func isScratch(key string) bool {
	segs := strings.Split(key, "/")
	for _, s := range segs[:len(segs)-1] {
		switch s {
		case DataDir:
			return false
		case WorkDir:
			return true
		}
	}
	return false
}
