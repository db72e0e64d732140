// Package augment is seeded, label-preserving image augmentation: a
// pipeline of transforms, each with a probability p and parameter ranges,
// named as in Albumentations where that is natural. It is pure Go with no
// I/O: no HTTP, no storage.
//
// # Drawing and applying
//
// Drawing parameters is separate from applying them:
//
//	p, _ := augment.New(specs, augment.Options{})
//	applied := p.Draw(rng, w, h)                 // []Applied: name + drawn values, JSON
//	out, _ := augment.Apply(src, applied, p.Options())
//
// Apply is a pure function of the source image, the []Applied and the
// Options, so a sample is reproduced exactly from its provenance (the
// source file and the JSON of its []Applied). Draw takes one value from
// the caller's *rand.Rand per transform (seed it with math/rand/v2's PCG)
// and draws the rest from a PCG stream seeded with that value; nothing
// depends on map order or on scheduling. Same seed, same bytes. (Go may
// fuse multiply-adds into FMA instructions on arm64, ppc64 and s390x, so
// a level can round differently there than on amd64.)
//
// Images are planar float32 (Image): 1 channel (gray), 3 (RGB) or 4
// (RGBA, alpha kept), 8 or 16 bits. FromImage converts decoded images
// (16-bit gray keeps 16 bits; 16-bit colour becomes 8-bit) and
// Image.Image rounds back once, at the end. The output has the source's
// size unless Options W and H are set: then the source is first resized to
// that size (bilinear, widened when shrinking, like Pillow's) and every
// transform works at the output size.
//
// # Transforms
//
// Each transform fires with probability p (default 0.5; p 0 switches it
// off, as does leaving it out of the list). Ranges are [lo, hi] arrays; a
// single number x means [-x, x] for the "limit" parameters marked ± and
// [x, x] for the others. Geometric transforms resample with bilinear
// interpolation; consecutive ones (flips, Affine, RandomResizedCrop) are
// composed into one affine map and resampled once, while their []Applied
// still lists each one.
//
//   - HorizontalFlip: mirror left-right. No parameters.
//   - VerticalFlip: mirror top-bottom. No parameters.
//   - Affine (Albumentations' Affine, or ShiftScaleRotate): about the
//     centre, shear, then scale, then rotate, then translate.
//     translate_percent ± fraction of the side, -1..1, default ±0.0625
//     (x and y drawn independently); rotate ± degrees, -180..180, default
//     ±15 (+ is counter-clockwise); scale factor 0.01..10, default
//     [0.9, 1.1]; shear ± degrees, -45..45, default 0 (x and y drawn
//     independently; the y shear applies first, so the map stays
//     invertible).
//   - RandomResizedCrop: a crop stretched back to the whole image, drawn as
//     torchvision does (10 tries, else the centre): scale, fraction of the
//     area, 0.01..1, default [0.08, 1]; ratio, width/height, 0.1..10,
//     default [3/4, 4/3].
//   - ElasticTransform (Simard et al. 2003; Albumentations): each pixel
//     moves by alpha times a field of uniform noise in [-1, 1) smoothed by
//     a Gaussian of sigma: alpha pixels, 0..1000, default 34; sigma pixels,
//     0.5..50, default 4 (Simard's values for 28x28 digits; scale both
//     with the image).
//   - RandomBrightnessContrast (Albumentations, brightness_by_max): out =
//     (1+c)*in + b*max, clamped, colour channels only. brightness_limit ±
//     -1..1, default ±0.2; contrast_limit ± -1..1, default ±0.2.
//   - RandomGamma: out = max*(in/max)^(g/100), colour channels only.
//     gamma_limit, percent, 10..1000, default [80, 120].
//   - GaussNoise: adds N(0, (std*max)²) per pixel and colour channel,
//     clamped. std_range, fraction of the maximum level, 0..1, default
//     [0.02, 0.1] (Albumentations' [0.2, 0.44] is far stronger).
//   - GaussianBlur: separable Gaussian, every channel. sigma_limit,
//     pixels, 0.05..20, default [0.1, 2] (torchvision's); blur_limit, the
//     odd kernel size as [lo, hi], default 0: 2*ceil(3*sigma)+1, at least 3.
//   - CoarseDropout (cutout, random erasing): num_holes_range, 1..64,
//     default [1, 1]; hole_height_range and hole_width_range, fractions of
//     the side, default [0.1, 0.2]; fill, a fraction of the maximum level,
//     default 0. Holes set the colour channels; alpha is kept.
//
// # Presets
//
//   - light (the safe default for natural images): HorizontalFlip p 0.5;
//     Affine p 0.5, translate ±0.0625, rotate ±10, scale [0.95, 1.05];
//     RandomBrightnessContrast p 0.3, ±0.1 each.
//   - medium: HorizontalFlip p 0.5; Affine p 0.7, translate ±0.1, rotate
//     ±15, scale [0.9, 1.1], shear ±5; RandomResizedCrop p 0.3, scale
//     [0.8, 1]; RandomBrightnessContrast p 0.5 (±0.2); RandomGamma p 0.3
//     ([80, 120]); GaussNoise p 0.2, std [0.01, 0.03]; GaussianBlur p 0.2,
//     sigma [0.3, 1].
//   - strong: HorizontalFlip p 0.5; Affine p 0.9, translate ±0.15, rotate
//     ±30, scale [0.8, 1.2], shear ±10; RandomResizedCrop p 0.5, scale
//     [0.6, 1]; ElasticTransform p 0.3 (alpha 34, sigma 4);
//     RandomBrightnessContrast p 0.8 (±0.3); RandomGamma p 0.5 ([70, 150]);
//     GaussNoise p 0.3, std [0.02, 0.06]; GaussianBlur p 0.3, sigma
//     [0.3, 1.5]; CoarseDropout p 0.5, 1..4 holes of 5..15% of each side.
//
// No preset flips vertically. Without removes transforms by name.
//
// # When a transform may change the label
//
// Every transform here is meant to keep the class, but that depends on the
// domain; switch off what does not hold for your data:
//
//   - VerticalFlip: natural images have an up and a down (sky above,
//     ground below); a vertically flipped "M" reads "W".
//   - Any flip: text, digits and signs (a mirrored "b" is a "d"); laterality
//     in medical images (left/right organs, situs inversus, which eye in an
//     OCT or fundus image); chiral objects.
//   - Large rotations: digits ("6"/"9"), orientation-dependent classes.
//   - RandomBrightnessContrast, RandomGamma, strong noise: where colour or
//     intensity is the label (ripeness, stains, burn depth, exposure
//     classes, calibrated intensities in 16-bit medical or scientific
//     images).
//   - RandomResizedCrop with a small scale, large translations, and
//     CoarseDropout: the crop or hole may cut out the object, or the small
//     lesion, that defines the class.
//   - ElasticTransform: shapes whose geometry is the label (cell
//     morphology, defects measured by size).
//
// # Borders
//
// Geometric transforms, ElasticTransform and GaussianBlur read pixels
// outside the image through Options.Border: BorderReflect (the default)
// mirrors about the edge pixel without repeating it (dcb|abcd|cba, OpenCV's
// BORDER_REFLECT_101, Albumentations' default); BorderConstant reads
// Options.Fill (a fraction of the maximum level, given to every channel,
// alpha included). Pixel centres are at integer coordinates and the centre
// of rotation is ((W-1)/2, (H-1)/2), so flips and rotations by multiples of
// 90 degrees of a square image move whole pixels exactly.
package augment
