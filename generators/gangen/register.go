package gangen

import (
	"context"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/storage"
)

// Register adds the wgan-gp and stftsynth generators to r. models opens
// the model store, a location every tailsynth process shares (the service
// passes <default output>/models); it is called when a job starts.
func Register(r *generators.Registry, models func(ctx context.Context) (storage.Store, error)) error {
	for _, g := range []generators.Generator{WGAN{Models: models}, STFTSynth{Models: models}} {
		if err := r.Register(g); err != nil {
			return err
		}
	}
	return nil
}
