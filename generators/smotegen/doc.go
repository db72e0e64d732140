// Package smotegen is the "smote" job generator: SMOTE (Chawla et al. 2002)
// from package smote, with imbalanced-learn's semantics, on images and on
// numeric feature vectors, wired onto the job pipeline of package
// generators. Register it with
//
//	smotegen.Register(registry)
//
// (random oversampling, its classic companion, is generators.Oversample,
// "oversample").
//
// # What a job does
//
// Start, once per job, for the classes the strategy gives samples
// (env.Plan[c] > 0) and their training files (env.Train: the training split
// when the dataset has splits; any other split is refused as a second
// guard):
//
//  1. fixes the job's input kind: images (.png, .jpg, .jpeg) or .npy
//     vectors. Classes holding both fail the job with a
//     datasets.DatasetError; other files (.wav) are excluded and listed in
//     the report's bad_files.
//
//  2. reads every training file of those classes into one row each:
//
//     Images are decoded with media.Decode (format sniffed from the
//     bytes, header checked against max_megapixels before any pixel is
//     decoded, files over max_file_mib refused from the listed size without
//     reading, JPEG EXIF orientation applied), converted to the job's colour
//     mode (alpha flattened over black; gray is BT.601 luma as
//     color.GrayModel computes it; 16-bit images keep their high byte),
//     resized to the job's size when they have another (imaging.Linear: a
//     triangle filter widened by the scale factor when downscaling, like
//     Pillow's bilinear resize) and flattened row-major (R, G, B interleaved
//     for rgb) to float32 levels/255 in [0, 1]. Mode auto is gray when every
//     readable image decoded as gray, else rgb; size "" is the most common
//     size of the readable images (ties: the smaller area, then the smaller
//     width). Both are decided once per job, so every output has one size
//     and one number of channels; the report says what was decided and why.
//     With an automatic size or mode, images are decoded twice: once to
//     learn sizes and colours and find bad files, once to fill the rows.
//
//     Vectors are 1-D .npy files (format 1.0-3.0, '<f4' or '<f8', read with
//     media.ReadNPY), finite and within float32's range. All vectors of a
//     class must have one length (a DatasetError names the lengths found
//     and an example file of each). The job's dtype is '<f8' when any vector
//     read is float64, else '<f4'.
//
//     A file that cannot be read as its kind (empty, truncated, corrupt,
//     over a limit, a 2-D or integer array, a NaN) is excluded and listed
//     with its reason in the report's bad_files, so one bad file never fails
//     a job. Storage errors (network, permissions) fail the job instead, so
//     that a retry can succeed. A class left with no usable file, or with
//     one (SMOTE interpolates between two: use "oversample"), fails the job
//     with a DatasetError naming the class. So does a class with fewer
//     usable files than min_sources (default 2, at least 2), unless
//     allow_few_sources is true: the job then goes on with a few_sources
//     alert (generators.SourceFloor) in its result, report.json,
//     report.html and the CLI's WARNING lines.
//
//  3. runs smote.Generate on each class, one class at a time, with n =
//     env.Plan[c], the k parameter and the class seed, the 64-bit FNV-1a
//     hash of (the job seed as 8 little-endian bytes, the class name). A
//     class's samples thus depend on the job seed and its own files only.
//     SMOTE finds the k nearest neighbours of each row among the rows of
//     its class (exact Euclidean search, quality/neighbors) and draws each
//     new row as
//
//     new = x[base] + gap·(x[neighbour] − x[base]),  gap ~ U[0, 1)
//
//     with (base, neighbour) drawn uniformly from the rows·k pairs. A class
//     with k rows or fewer uses k = rows−1 (k_lowered in the report).
//
// Generate(class, i) computes row i from the kept training rows and the
// draw recorded in Start, and encodes it: images as PNG (8-bit gray or
// RGB) with levels round(255·v) clamped to 0..255, where v is smote's
// float32 value, bit for bit; '<f4' vectors as smote's float32 row, bit for
// bit; '<f8' vectors as a + gap·(b − a) evaluated in float64 on the float64
// inputs (only the neighbour search ran in float32). The metadata.jsonl row
// carries "sources": [base file, neighbour file] and "smote": {"gap", "k"
// (neighbours used), "size" and "mode" or "dtype" and "dim"}. A new image
// is therefore, pixel by pixel and within one level of rounding, the convex
// combination (1−gap)·base + gap·neighbour of its two sources as converted.
//
// Finish writes contact_sheet.png for image jobs (per class, a row of its
// first sheet_per_class training images as converted and a row of its first
// SMOTE images) and the report: per class rows, files_excluded, k,
// k_lowered, generated, dim, bases_used, rows_in_samples; the bad files
// with reasons; size, mode, filter and why, or dtype and why; the seed
// derivation; memory figures.
//
// # Memory
//
// The job keeps each class's training rows for Generate: rows·dim bytes
// for images (levels), 4 or 8 bytes a value for vectors, all classes
// together at most MaxMatrixBytes (2 GiB). In Start, one class at a time,
// SMOTE also needs the class's float32 matrix and its n new rows:
// (rows + n)·dim·4 bytes, at most MaxMatrixBytes; the new rows are dropped
// once the draws are recorded. Beyond the limit Start fails with a
// DatasetError suggesting a smaller size (a 224x224 RGB row is 588 KiB as
// float32, a 64x64 one 48 KiB) or fewer samples. Decoding holds one image
// per worker (GOMAXPROCS), up to max_megapixels·4 bytes each.
//
// # Parameters
//
// k (5, 1..1000), size ("" or "WxH"), mode (auto, gray, rgb), max_file_mib
// (64), max_megapixels (64), sheet_per_class (8, 0 for no sheet),
// min_sources (2, 2..1000000) and allow_few_sources (false). Unknown
// names and bad values are generators.ParamError naming the value and what
// is accepted. size and mode apply to images only.
package smotegen
