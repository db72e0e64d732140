// Package compositegen is the "composite" job generator: class-based image
// composition (CB-ImgComp, Hlali et al. 2025) from package composite, wired
// onto the job pipeline of package generators. Register it with
//
//	compositegen.Register(registry)
//
// # What a job does
//
// Start, once per job:
//
//  1. takes the classes the strategy gives samples (env.Plan[c] > 0) and
//     their training files (env.Train: the training split when the dataset
//     has splits; Start refuses any other split as a second guard);
//  2. checks every training image of those classes by decoding it once, in
//     parallel: files over max_file_mib (refused from the scanned size,
//     without reading), zero-byte files, files that are not PNG or JPEG
//     whatever their name, headers declaring more than max_megapixels
//     (refused before pixels are decoded), and corrupt or truncated pixel
//     data. Such files are excluded from planning and listed per file in
//     the report's bad_files, so one bad file never fails a job; a class
//     left with no readable image fails the job with a
//     datasets.DatasetError naming the class. So does a class with fewer
//     readable images than min_sources (default 2: with one image every
//     composite is the same file), unless allow_few_sources is true: the
//     job then goes on with a few_sources alert (generators.SourceFloor)
//     in its result, report.json, report.html and the CLI's WARNING
//     lines. Storage errors (network,
//     permissions) fail the job instead, so that a retry can succeed. The
//     check renders each image into the tiles, which leaves the fitted tiles
//     in the shared cache for the composites that follow;
//  3. plans every composite with composite.Planner.Minority (counts =
//     env.Plan, seed = uint64(job seed)), so sample i of class c is plan i
//     of c: Generate is a pure function of (seed, data, params, class, i),
//     independent of scheduling;
//  4. fixes the colour mode for the whole job. composite's own "auto"
//     decides per composite, which could mix gray and RGB files in one
//     output; here mode "auto" becomes gray when every source used by any
//     plan decoded as gray (8- or 16-bit), and rgb otherwise. keep16 takes
//     effect only when the mode is gray and every source used is 16-bit, so
//     the bit depth is uniform too.
//
// Generate renders plan i and encodes it as PNG (pooled encoder). Its
// metadata.jsonl row carries "sources" (tile order, row-major) and
// "composite": layout, size, mode, order, cycle (> 0 when the class's
// distinct tuples were used up and this tuple repeats), repeated (the class
// has fewer images than tiles) and, with augmentation, the per-tile
// parameters drawn. The job seed is in the row already.
//
// Finish writes contact_sheet.png (the first sheet_per_class composites of
// each class, labelled with the class's composite count) and the report:
// per class requested, images_used, images_excluded, sources_in_composites,
// distinct_tuples (a decimal string), exhausted, repeated, max_cycle; the
// bad files with reasons; layout, size, fit, filter, mode (and why), order,
// augmentation; cache statistics; when the dataset has splits, the
// leakage-guard statement; and "alerts" (the caveat below, and the
// few_sources alerts of classes allowed below min_sources), which the
// pipeline lists in report.json's top-level "alerts" and report.html's
// banner.
//
// # Composites can hurt a single-image classifier
//
// CB-ImgComp helps a classifier that consumes composites: Hlali et al.
// convert the whole dataset, evaluation images included, so the model is
// trained and tested on composites. Adding composites of the rare classes
// to a training set of single images is another setting, in which they can
// HURT a classifier that classifies single images (on long-tailed
// Fashion-MNIST a 2x2 composite at 28 px scored a lower rare-class F1
// than adding nothing, as reported in issue 12). Every job's report
// therefore carries a caveat alert (kind "caveat", severity "amber"):
// [CaveatMixed] when some classes keep
// single images only, [CaveatWhole] when every class gets composites, in
// which case a model trained on the output must be tested on composites
// made the same way from held-out images — and composing a held-out tuple
// needs its label, which a deployed classifier does not have. Measure the
// method on your data with an evaluation (POST /v1/evaluations, tailsynth
// evaluate): its leaderboard repeats the caveat on the composite row and
// flags harm. Both settings can be measured there: by default (protocol
// "mixed") the composites are added to the real training images and the
// judges are tested on real single images; with the method's protocol
// "whole_dataset" the judges train on a balanced composite-only set made
// from the training split and are tested on composites of the held-out
// split made the same way (ComposeHeldOut, below). That row is marked
// with its protocol and a caveat and is not ranked against the
// single-image rows: composing a held-out tuple needs its label, so its
// figures measure a composite classifier, not one a deployment without
// labels could run.
//
// # Held-out composites (ComposeHeldOut)
//
// [ComposeHeldOut] is the evaluation's half of the whole-dataset protocol:
// it composes labelled held-out files with a finished job's parameters
// (layout, size, fit, filter, order, augmentation), its resolved colour
// mode (read from the job's metadata rows; "auto" is refused, so both sets
// have the same channels) and tuples planned with [HeldOutSeed] of the
// job's seed, each composite from the files of one class only. Bad files
// are left out and reported as a job leaves out bad training files (the
// min_sources floor does not apply: a held-out class of one image gives
// composites that repeat it, which the report marks). It is a function,
// not a job: a job's Start refuses any file outside the training split
// (the leakage guard), and this function composes the held-out split on
// purpose, for testing only.
//
// # Whole-dataset composition (Co-OCTDL)
//
// Hlali et al. train on a set made only of composites with the same number
// per class. The pipeline decides counts through the job's strategy, and
// its output data/ folder holds only generated samples, so ask for
//
//	"strategy": {"add": {"<class 1>": N, "<class 2>": N, ...}}
//
// naming every class: each class, the majority included, gets N
// composites, and data/ is a balanced composite-only training set. No
// separate parameter is needed, and composite.Planner.Balanced is not used:
// Minority with equal counts is what Balanced computes. ("all" brings every
// class up to the majority's count and gives the majority none, which is
// the minority-only setting.) An evaluation's whole_dataset protocol runs
// such a job with N = the largest class's training count (at most
// max_train_rows / classes).
//
// # Costs
//
// Every training image of a class that gets composites is decoded at least
// once in Start (even one that no plan uses: the exclusion must happen
// before planning, and the report lists every bad file). With the default
// 256 MiB tile cache a 224x224 3x1 job keeps about 1,700 tiles; beyond that,
// sources are decoded again when rendered. Each decode holds one source image
// in memory per worker (up to max_megapixels * 4 bytes).
package compositegen
