// Package evaluate answers, for real datasets in storage, the question
// package quality answers for matrices: did the synthetic samples help? It
// reads files into feature rows and runs quality's measures in two places.
//
// # Per-job quality (Hook)
//
// [Hook] is a pipeline.QualityHook: after a job's samples are written,
// [AssessJob] compares every generated class with REAL HELD-OUT samples of
// that class — the dataset's test split, else its validation split — and
// the job's report.json gets a "quality" section ([JobQuality]) and its
// report.html the tables and real-beside-synthetic grids:
//
//   - fidelity in a feature space fitted on the real training files
//     ([FeatureSpace]: the hidden layer of a seeded MLP by default, or
//     PCA): Fréchet distance (with n_real, n_fake and
//     quality.FrechetBiasNote) and k-NN precision/recall (k = 3);
//   - memorization in pixel space: each sample's nearest training image of
//     its class relative to the median nearest-neighbour gap inside the
//     class; the share of near-copies (ratio < 0.1), flagged above 5%;
//   - utility, by each judge (below): a classifier trained on (a) the
//     real training files, (b) plus random oversampling, (c) plus SMOTE
//     (k = 5, in the judge's space), (d) plus this job's samples — (b)
//     and (c) add as many rows per class as the job did — tested on the
//     held-out files over seeds 1, 2, 3: per-class P/R/F1, minority F1
//     (mean over the generated classes), macro F1, balanced accuracy,
//     and lifts of (d) over (a) and (c).
//
// # Judges
//
// What helps depends on the model that consumes the data, so utility is
// measured by two judges ([Config] Judges, an evaluation's
// Request.Judges), the first the headline:
//
//   - "cnn" (quality.JudgeCNN, the headline by default): a small seeded
//     CNN (quality.TrainCNN) on the real training PIXEL rows
//     (FeatureOptions.Size² × 1 or 3 channels, subsampled as below, not
//     projected), with random oversampling and SMOTE in pixel space and
//     the synthetic rows as pixels; trained once per variant and seed.
//     It heads because it is closer to the networks users train.
//   - "logreg" (quality.JudgeLogReg): logistic regression in the utility
//     feature space (PCA by default), baselines and synthetic rows
//     projected there; deterministic.
//
// Image datasets default to ["cnn", "logreg"], audio to ["logreg"] (an
// evaluation that asks for "cnn" on audio is refused; a server config
// naming it is cut to "logreg" with a note). report.json's quality
// section and leaderboard.json keep their pre-judge fields ("utility", each
// row's minority_f1, lifts...) holding the HEADLINE judge's figures, and
// add "judges" (headline first), "headline_judge" and "utility_by_judge"
// (every judge's quality.UtilityResult); each leaderboard row adds
// "by_judge" (minority_f1, macro_f1, balanced_accuracy, minority_recall,
// lift_over_real, lift_over_smote and alerts per judge) and
// "minority_recall". Rows are ranked by the headline's minority F1;
// report.html shows one set of utility tables per judge, the headline
// first, and the text table and tailsynth evaluate --wait one minority F1
// and lift over SMOTE column per judge.
//
// Fidelity figures computed on too few rows are kept but marked unreliable
// (ClassFidelity reliable, frechet_reliable, precision_recall_reliable,
// reliability_note; "(unreliable: n=…)" in the tables): k-NN precision and
// recall need at least max(k+1, 50) real and synthetic rows of the class
// ([MinPRRows]: with a handful of real rows, noise can score precision
// 1.000), the Fréchet distance max(feature dimension + 1, 100) of each
// ([MinFrechetRows]: below that the covariance is singular or the bias
// dominates).
//
// Without a held-out split the report says so ([NoHeldOutNote]): fidelity
// is measured against the training files and utility is not computed. A
// job can turn the measurement off ("quality": "off"); a failure never
// fails the job (errors are in the report).
//
// # Method comparison (Runner)
//
// [Runner] runs POST /v1/evaluations on the job engine (it implements
// jobs.Evaluator). One held-out split serves every method — the dataset's
// test or validation split, or a seeded stratified split of [Request]
// TestFraction (recorded in split.json) — and every method's generator runs
// through pipeline.Pipeline.RunDataset on a view holding the training
// files only, so generation never sees the held-out files. Outputs:
//
//	<output>/<evaluation>/methods/<name>/   each method's job output
//	<output>/<evaluation>/held_out/<name>/  a whole_dataset method's held-out composites
//	<output>/<evaluation>/split.json        the split and held-out files
//	<output>/<evaluation>/leaderboard.json  [Leaderboard]
//	<output>/<evaluation>/report.html       tables and pictures, self-contained
//	<output>/<evaluation>/_SUCCESS          written last
//
// The leaderboard always holds the baselines "real", "random_oversampling"
// and "smote", computed inside the evaluator, beside the methods, sorted by
// the headline judge's minority F1.
//
// # Tables
//
// A Request with a label_column (generators.TableOptions: label_column,
// column_types, exclude_columns, output_format, as a table job takes them)
// is an evaluation on a table: a CSV or Parquet file, or a folder of part
// files. Check reads the table once (pipeline.Pipeline.Prepare: columns,
// rows per class, the job's cell limit) and plans a seeded stratified
// split of TestFraction [TableTestFraction, 0.3] of every class's rows
// (at least one held out and one kept; a class that gets rows keeps at
// least 2, since SMOTE interpolates between two), then applies the
// strategy to the training rows. The runner loads the labelled rows,
// deals them (each class's rows in file order, shuffled with the first
// seed), and every method's generators.TableGenerator makes rows from the
// training rows only; each method's rows are held to the plan (exactly
// the requested count of each class) and written to
// methods/<name>/data.<format> with a metadata.jsonl, as a table job
// writes them. split.json lists the held-out rows (0-based data rows).
//
// The judge is logistic regression on the table's columns
// (quality.TabularUtility: numeric columns standardised on the training
// rows, categorical one-hot), the only one on tables (TableJudges; "cnn"
// and "features" are refused): trained on the training rows alone
// ("real"), plus random oversampling, plus SMOTE, SMOTE-NC or SMOTE-N by
// the columns ("smote", in the table's own units), and plus each
// method's rows, every variant adding the plan's rows per class, tested
// on the held-out rows over the seeds. Missing numbers are filled with
// the training rows' column medians for the judge only. The rows carry
// the same figures as on images (minority F1, macro F1, balanced
// accuracy, minority recall and the lifts, under by_judge "logreg"), the
// same HarmAlerts, and leaderboard.json a "table" ([TableEvaluation]:
// format, rows, columns, the SMOTE variant, the imputed cells). No
// fidelity figures are computed on tables yet.
//
// A method that is not a table generator (the image generators, and
// "auto", whose cross-validation reads images), a table-only generator on
// an image dataset, a table file without label_column, a label column the
// table lacks or a class too small for the split are refused before
// anything runs, saying what is accepted.
//
// # Protocols: mixed and whole_dataset
//
// A method is measured by its Method.Protocol. [ProtocolMixed] (the
// default, and every baseline's) adds its samples to the real training
// rows and tests on the real held-out images, as above.
// [ProtocolWholeDataset], accepted for the composite generator only (any
// other value or generator is a *generators.ParamError naming what is
// accepted), measures what CB-ImgComp is for, a classifier that consumes
// composites (Hlali et al. compose the whole dataset):
//
//  1. the composite job runs once (first seed) on the training view with
//     the strategy {"add": {every class: N}}, N the largest class's
//     training count, at most Config.MaxTrainRows / classes: a balanced
//     composite-only training set;
//  2. the leakage guard reads the job's metadata.jsonl and fails the row
//     unless every source of every training composite is a training file
//     of the composite's class;
//  3. compositegen.ComposeHeldOut composes the held-out split the same way
//     (the job's layout, size, parameters and resolved colour mode, tuples
//     planned with compositegen.HeldOutSeed of the seed): per class,
//     min(held-out files, Config.MaxHeldOutPerClass) composites of that
//     class's held-out files only, so the test keeps the held-out split's
//     class balance; they are written under held_out/<name>/ (data/ and
//     metadata.jsonl with each composite's sources);
//  4. each judge trains on the training composites alone (logreg in a
//     Features space fitted on them) and is tested on the held-out
//     composites over the seeds; the figures are the same kinds as the
//     other rows' (minority F1 over the same generated classes, recall,
//     balanced accuracy, macro F1).
//
// Composing a held-out tuple needs its label, which a deployed classifier
// does not have, so these figures measure a composite classifier and are
// not comparable with the single-image rows. The row says so: Row.Protocol
// "whole_dataset", a caveat alert ([WholeDatasetCaveat], kind "caveat") in
// the row, the leaderboard's alerts, report.html and the CLI; rank 0,
// listed after the ranked rows; no lifts and no harm alerts. It is left
// out of the harm comparison rather than compared with a baseline because
// no baseline shares its test set: real single images are no baseline for
// a composite classifier, and the method itself is the composition of the
// real images. leaderboard.json's "whole_dataset" holds, per method, the
// caveat, the composites per class, the held-out composition report and
// each judge's quality.UtilityResult; report.html has a section per
// method.
//
// # Alerts: when a method hurts
//
// [HarmAlerts] is the one rule, applied to each judge's
// quality.UtilityResult alike ("cnn" and "logreg"; a method harmful
// under either is flagged, each alert naming its judge): a method is
// flagged when, for baseline B in "real" (severity red: worse
// than adding nothing) or "random_oversampling" (amber: worse than
// copying), and metric m in minority F1 or balanced accuracy, the paired
// lift L = method − B over the seeds has
//
//	L.mean < −max(noise, HarmFloor, resolution),  HarmFloor = 0.01,
//	noise = max(L's sample standard deviation across seeds,
//	            the method's and B's own spreads of m across seeds),
//	resolution = what one held-out test example changes: 1/(M·n) of
//	            minority F1 (M minority classes, n the fewest test rows
//	            of one), 1/(K·n) of balanced accuracy (K classes with
//	            test rows, n the fewest of any).
//
// The floor keeps a deterministic tie (spread 0) from being flagged; the
// variants' own spreads keep a noisy judge (the CNN, whose every run
// starts from the seed) from flagging a method against an equivalent one
// when three paired lifts happen to agree; the resolution keeps a method
// one test example behind a baseline on a tiny test split (5 rare rows:
// 0.2 of recall) from being flagged, and a report whose split has under
// MinHarmTestRows rows of a minority class says so in a caveat. A
// job's alerts are those of its own samples ("job:<generator>"); a
// leaderboard's are per row (every row but "real", baselines included:
// SMOTE below real is flagged too), plus a method's job-report alerts
// (generator caveats such as compositegen's), gathered in the top-level
// "alerts" with the rule in "alert_rule". They show in report.json
// ("alerts", top level), leaderboard.json (each row's "alerts" and the
// summary), as a red/amber banner and a per-row "⚠ HARM" marker in both
// report.html pages and Leaderboard.Table, in the job's result, and as
// "WARNING: …" lines from tailsynth submit --wait and evaluate --wait.
//
// # Features
//
// [Featurizer] reads images safely (media.Decode limits; unreadable
// files skipped and counted), converts them to grey or RGB (decided once
// per dataset), resizes them to 28×28 (FeatureOptions.Size) and flattens
// them to [0, 1]. WAV files become a log-mel summary (mean and standard
// deviation of each band over time): cheap and comparable between real and
// synthetic WAV files, but blind to temporal structure, and it cannot
// compare a WAV dataset with spectrogram-image samples — such a job's
// report says the features are not comparable (the samples are skipped as
// unreadable for the dataset's kind).
//
// # Cost
//
// [Config] bounds the work: at most 12,000 real training rows (every class
// subsampled at one fraction so the imbalance is kept, with each variant's
// added rows scaled alike), 1,000 held-out and 1,000 synthetic rows per
// class, 20,000 training rows per class for the near-copy search. On the
// shared 2-core machine the figures of the logistic judge on a few
// thousand 28×28 images take seconds. The CNN judge dominates the cost:
// about 20 s of one core per run on 5,000 28×28 gray rows (8 epochs),
// growing with the training rows, times (3 baselines + methods) × seeds —
// a per-job report at the 12,000-row cap is about 12 runs of a minute.
// Config.CNN (fewer epochs, narrower layers), Config.MaxTrainRows and
// Config.Judges (["logreg"]) bound it.
package evaluate
