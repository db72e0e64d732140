package spectrogen

import "github.com/tailsynth/tailsynth/generators"

// Register adds the spectrogram and specaugment generators to r.
func Register(r *generators.Registry) error {
	for _, g := range []generators.Generator{Spectrogram{}, SpecAugment{}} {
		if err := r.Register(g); err != nil {
			return err
		}
	}
	return nil
}
