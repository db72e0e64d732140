package pipeline

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// storedSamples are the samples an earlier attempt of a job left in its
// output (a run that a crash, a storage outage or a cancellation
// interrupted, then resumed or retried), by key.
//
// A run does not write such a sample again. It still makes it (its
// metadata row comes from the generator), and it is the same file: sample
// i of a class is made from the job's seed alone, a job's folder is its
// own (no other job may write there), and a store shows an object whole or
// not at all. The check that it is: the same size and, where the store
// reports an MD5 ETag (S3 objects written in one part), the same MD5;
// any difference, and the sample is written again.
type storedSamples map[string]storage.ObjectInfo

// listStored lists the samples under the job's data/ folder: one paged
// listing per run.
func listStored(ctx context.Context, out storage.Store) (storedSamples, error) {
	m := storedSamples{}
	for info, err := range out.List(ctx, generators.DataDir+"/", storage.ListOptions{}) {
		if err != nil {
			return nil, err
		}
		m[info.Key] = info
	}
	return m, nil
}

// holds reports whether key is stored with data's bytes.
func (s storedSamples) holds(key string, data []byte) bool {
	info, ok := s[key]
	if !ok || info.Size != int64(len(data)) {
		return false
	}
	if etag := strings.ToLower(strings.Trim(info.ETag, `"`)); isMD5Hex(etag) {
		sum := md5.Sum(data)
		return etag == hex.EncodeToString(sum[:])
	}
	return true
}

// isMD5Hex reports an ETag that is an MD5 sum (32 hex digits); multipart
// S3 uploads have "<hex>-<parts>" ETags, which are not.
func isMD5Hex(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
