// Package composite implements class-based input image composition
// (CB-ImgComp): several images of the SAME class are tiled into one
// composite input image, giving new training samples for rare classes.
//
// Reference: Hlali et al. 2025, "Improving Diagnostic Performance on Small
// and Imbalanced Datasets Using Class-Based Input Image Composition". On
// OCTDL they stack 3 images per composite (a 3x1 layout here), build a
// perfectly balanced set of composites (Co-OCTDL) and report 99.6% accuracy
// with VGG16.
//
// The package is pure: it knows nothing of HTTP or storage. Storage is
// reached through a LoadFunc, which returns a decoded image for a key.
//
// # The two steps
//
// Planning is cheap and deterministic. A Planner turns per-class file lists
// into a list of Plans (class, sources in tile order, per-tile augmentation,
// flags) without touching pixels:
//
//   - Planner.Minority(files, counts): counts[class] composites for the
//     classes named (generate only what the rare classes lack);
//   - Planner.Balanced(files, perClass): the same number for every class
//     (the Co-OCTDL setting).
//
// Rendering turns one Plan into an image: Renderer.Compose (or the one-shot
// Compose). A Renderer is safe for concurrent use; share one Cache between
// goroutines so each source is decoded and resized to tile size once while
// it stays cached.
//
// # Conventions (every choice is a parameter with the default shown)
//
//   - Layout "RxC" is ROWS x COLUMNS: "3x1" stacks three images vertically,
//     "1x3" puts them side by side. 1..8 per side, at most 16 tiles. Tiles
//     are filled row-major; tile edges are floor(i*W/C) and floor(i*H/R).
//   - Options.Size is the size of the whole composite (default 224x224).
//   - Options.Fit: stretch (default), fit (letterbox with Background), fill
//     (centre crop to the tile's aspect ratio, then resize).
//   - Options.Filter: an imaging filter by name (default "linear"). Tiles
//     are resampled with imaging's kernels and weight rule, but on the
//     calling goroutine and one channel for gray sources (resample.go):
//     imaging.Resize fans out to GOMAXPROCS goroutines per call, which
//     costs more than it gains when composites are rendered in parallel.
//     Results agree with imaging.Resize to within one level (tested).
//     Orientation, augmentation and the contact sheet use imaging directly.
//   - Options.Mode: auto (gray if every source of the composite is gray,
//     else RGB; default), gray, rgb, rgba. Alpha is flattened over
//     Background except in rgba. Options.Keep16 keeps 16-bit gray sources at
//     16 bits; otherwise they are reduced to their high byte.
//   - Tuples (Planner.Order): unordered sets by default, with a random tile
//     order; "ordered" counts arrangements. A tuple never repeats before all
//     DistinctTuples(n, k, order) tuples of the class were used
//     (Plan.Cycle counts passes); an image never repeats inside a tuple
//     unless the class has fewer images than tiles (Plan.Repeated).
//   - Seeds: each class draws from its own PCG stream (math/rand/v2) seeded
//     by (Planner.Seed, class name); the plans do not depend on Go's
//     rand.Rand helpers, on the order of the input lists, or on other
//     classes, and the first N plans do not depend on how many are asked for.
//   - Augmentation (Planner.Augment) is off by default; when on, the drawn
//     parameters are stored per tile in Plan.Augment.
//   - Decoding (FSLoader, with media.Decode): PNG (8/16-bit) and JPEG by
//     magic bytes, the header checked against media.DecodeOptions.MaxPixels
//     (default 64 Mpx) before any pixel is decoded, JPEG EXIF orientation
//     applied; per-file failures are typed (media.ErrCorrupt,
//     media.ErrEmptyFile, ...) and Compose wraps them in *SourceError with
//     the file's key.
//
// # Leakage
//
// Composites must be built from training images only: a composite that
// contains a validation or test image leaks it into training. TrainOnly
// filters labelled files down to the "train" split and returns the rest for
// the caller's report.
//
// # Wiring it into a pipeline
//
//	files, excluded := composite.TrainOnly(labelled)   // report excluded
//	p := composite.NewPlanner(composite.Layout{Rows: 3, Cols: 1}, job.Seed)
//	res, err := p.Minority(files, need)                // or p.Balanced(files, 0)
//	r, err := composite.NewRenderer(composite.DefaultOptions(), load, composite.NewCache(0))
//	for _, plan := range res.Plans {                   // fan out over workers
//		img, err := r.Compose(ctx, plan)               // *SourceError: skip and report
//		// encode img as PNG; store plan as provenance (it is JSON-ready)
//	}
//
// media.NewEncoder gives a PNG encoder that pools its buffers (use one per
// job); media.Decode takes a faster path for 8-bit non-interlaced PNGs.
// media.ContactSheet renders a per-class grid of samples for a job's report.
package composite
