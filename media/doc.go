// Package media holds the file I/O that the algorithm packages and the
// generators share: image decoding with limits (Decode, DecodeBytes,
// DecodeOptions: the format sniffed from magic bytes, the header's pixel
// count checked before any pixel is allocated, JPEG EXIF orientation
// applied, failures typed as ErrEmptyFile, ErrUnsupportedFormat,
// ErrTooManyPixels, ErrFileTooLarge or ErrCorrupt) and the PNG codec
// (a fast decoder for 8-bit non-interlaced PNGs, Encoder, NewPNGEncoder,
// ParsePNGLevel), WAV (ReadWAV, WAVReader, WriteWAV) and NumPy .npy
// (ReadNPY, WriteNPY, WriteNPYVector) files, and the one sheet renderer of
// job reports (Sheet: labelled rows of tiles in named column groups;
// ContactSheet for per-class images), and Size, the WxH of an image a job
// writes (ParseSize).
//
// media imports no algorithm package (composite, gan, spectro, smote,
// quality) and no generator: they import it.
package media
