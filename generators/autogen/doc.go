// Package autogen is the "auto" generator: it measures which method helps
// a dataset's rare classes most, on the dataset itself, and generates with
// it. No anchor tool does this; imbalanced-learn, Albumentations and the
// GAN libraries leave the choice to the user.
//
// # How it chooses
//
// The comparison uses the TRAINING split only (Env.Train); a held-out
// split the user keeps for testing is never read, so it stays an honest
// test of the result.
//
//  1. At most max_per_class training images per class (a seeded subsample)
//     are read as 28×28 feature rows (evaluate.Featurizer) and dealt into
//     `folds` stratified folds (seeded).
//  2. In each fold, every candidate generator (default, cheapest first:
//     oversample; smote; augment's light preset on half the samples, the
//     others exact copies (p 0.5), with and without horizontal flips; the
//     light preset on every sample, with and without flips — those the
//     registry holds) is started on the OTHER folds' files and makes samples for the requested classes: as many as bring
//     each class to its target in the job's plan, capped and scaled like
//     the real rows. The samples go to the job's scratch store
//     (choose/fold-N/<candidate>/) and are read back as feature rows.
//  3. Each judge — logistic regression in a 64-component PCA space of the
//     fit rows, and the small CNN of quality.TrainCNN on the pixels — is
//     trained on the fit folds' real rows alone ("real") and plus each
//     candidate's samples, and scored on the fold (quality.EvaluateUtility).
//  4. A candidate's score for a class is its SOFT F1 on that class, averaged
//     over the judges: the held-back predictions of all folds are pooled
//     (every training image of the class is tested once), F1 is computed
//     from the judge's predicted probabilities rather than from counts of
//     right answers (with 10 rare images, a method's count of right answers
//     is mostly 0 or 1 whatever it is; probabilities still move), and
//     every true class is weighted as if tested on as many images as the
//     others (the folds are as imbalanced as the training split, and there
//     a rare class's false positives swamp its precision whatever the
//     method). The hard F1 of the same predictions and each fold's F1 are
//     reported too. The winner of each requested class is the best score;
//     a later (costlier) candidate must beat an earlier one by more than
//     `tie` [0.01] to win.
//
// Then each winner is started on the whole training split for the classes
// it won, with the job's seed, so its samples are exactly those a job of
// that method alone would make. Every sample's metadata row names the
// method ("auto": {"method", "generator"}).
//
// # The report
//
// report.json's generator_report.auto ([Selection]) holds the protocol,
// the candidates, for every requested class every candidate's F1 (overall
// and per judge: mean and spread over folds), its lift over "real", the
// winner and a sentence saying why it won. When even the winner lowered the
// class's F1 below "real" by more than the tie, the choice is marked Harm
// and the sentence says so: no candidate helped that class in the
// internal test. Candidates that failed are listed with their error and
// left out. generator_report.methods holds each winner's own report (its
// alerts, such as a few_sources alert of a class allowed below the
// winner's min_sources, are repeated in report.json's top-level alerts),
// and the winners' extra files (contact sheets) are kept, prefixed with
// the method's name when more than one method won. A candidate whose
// floor (min_sources) a class's fold does not meet fails in that fold and
// is listed with the error, like any failed candidate.
//
// # Cost and limits
//
// Every candidate generates folds times, and every judge is trained
// folds × (candidates + 1) times: with the defaults on 28×28 images and a
// few hundred images per class this is minutes on two cores, most of it
// the CNN (judges ["logreg"] is much faster). A requested class needs at
// least 2 readable training images (one to hold back); with fewer images
// than folds the folds are lowered to the class's count, and the report
// says so. With a handful of rare images the per-fold F1 is noisy: the
// per-judge spreads are in the report, and ties go to the cheaper method.
// Heavy generators (GAN training) are not candidates; compare them with
// POST /v1/evaluations.
package autogen
