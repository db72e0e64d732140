package composite

import (
	"context"
	"image"
	"io/fs"

	"github.com/tailsynth/tailsynth/media"
)

// LoadFunc returns the decoded image for a key (a path, an object key). It is
// how Compose reaches storage without knowing about it; it must be safe for
// concurrent use when a Renderer is shared by goroutines.
type LoadFunc func(ctx context.Context, key string) (image.Image, error)

// FSLoader returns a LoadFunc that opens key in fsys (os.DirFS, embed.FS,
// fstest.MapFS) and decodes it with media.Decode.
func FSLoader(fsys fs.FS, opts media.DecodeOptions) LoadFunc {
	return func(ctx context.Context, key string) (image.Image, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := fsys.Open(key)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return media.Decode(f, opts)
	}
}
