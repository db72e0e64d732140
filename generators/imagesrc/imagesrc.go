// Package imagesrc reads a job's training images for the generators that
// check or decode them (oversample, augment, smote, and inspect): the
// job's size limits, and the line between a bad file (reported and left
// out) and an I/O error (the job fails, so that a retry can succeed
// instead of silently dropping images). It does not depend on package
// generators, so that package can use it too.
package imagesrc

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// Decode reads and decodes the training image key of size bytes (as
// scanned) from st: files larger than maxFile bytes are refused before
// reading, and dec bounds the decoding. A problem of the file itself gives
// a reason, in the job parameters' words (max_file_mib, max_megapixels);
// anything else is an error.
func Decode(ctx context.Context, st storage.Store, key string, size, maxFile int64, dec media.DecodeOptions) (image.Image, string, error) {
	if size > maxFile {
		return nil, fmt.Sprintf("%v: %d bytes, limit %d (max_file_mib)", media.ErrFileTooLarge, size, maxFile), nil
	}
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, "not found: removed after the dataset was scanned", nil
		}
		return nil, "", fmt.Errorf("reading %s: %w", key, err)
	}
	defer rc.Close()
	img, err := media.Decode(rc, dec)
	if err != nil {
		for _, e := range []error{media.ErrEmptyFile, media.ErrUnsupportedFormat, media.ErrTooManyPixels,
			media.ErrFileTooLarge, media.ErrCorrupt} {
			if errors.Is(err, e) {
				return nil, ParamNames.Replace(err.Error()), nil
			}
		}
		return nil, "", fmt.Errorf("reading %s: %w", key, err)
	}
	return img, "", nil
}

// ParamNames turns the composite package's advice into the generators'
// parameter names.
var ParamNames = strings.NewReplacer("DecodeOptions.MaxPixels", "max_megapixels", "DecodeOptions.MaxBytes", "max_file_mib")
