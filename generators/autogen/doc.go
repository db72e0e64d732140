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
//     reported too.
//  5. Steps 1-4 are run `repeats` [3] times, repeat r with the folds, samples
//     and judge seeds of a job of seed+r, and the held-back predictions of
//     all repeats are pooled into one score per candidate (every training
//     image of the class is tested once per repeat). The winner of each
//     requested class is the best pooled score; a later (costlier)
//     candidate must beat an earlier one by more than `tie` [0.01] to win.
//     With repeats > 1 the report also gives each repeat's own scores and
//     the candidate it alone would have chosen.
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
// winner and a sentence saying why it won; with repeats > 1 also each
// candidate's score in each repeat alone (by_repeat) and the candidate
// each repeat alone would have chosen (repeat_winners): where those
// disagree, the folds alone could swing the choice. When even the winner lowered the
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
// Every candidate generates folds × repeats times, and every judge is
// trained folds × repeats × (candidates + 1) times: with the defaults on
// 28×28 images and a few hundred images per class this is several minutes
// on two cores (each repeat about as long as one cross-validation was
// before repeats: about 100 s), most of it the CNN (judges ["logreg"] is
// much faster; repeats 1 is a third of the cost). A requested class needs at
// least 2 readable training images (one to hold back); with fewer images
// than folds the folds are lowered to the class's count, and the report
// says so. With a handful of rare images the per-fold F1 is noisy: the
// per-judge spreads and the repeats' own choices are in the report, and
// ties go to the cheaper method. Repeats average out the choice of folds,
// not the choice of images: the comparison can only test on the rare
// images the user has, and a sample of a few tens can favour another
// method than a large test set would (see "Why repeats").
// Heavy generators (GAN training) are not candidates; compare them with
// POST /v1/evaluations.
//
// # Why repeats
//
// With a few tens of rare images, which images land in which fold moves
// the candidates' scores by as much as they differ, and so moves the
// choice. Measured on the utility benchmark's long-tailed Fashion-MNIST
// (scripts/bench/utility: Shirt, Sandal and Pullover cut to 30 and 60
// training images, two draws of the images, DATA_SEED 1 and 2; logistic
// judge; the six default candidates, each also measured on 300 held-out
// test images per class): on Shirt-30, 8 fold seeds of one cross-validation
// chose 5 different winners, and the chosen method's held-out F1 fell
// short of the best candidate's by 0.035 on average; pooling 3 repeats,
// by 0.007 (in the benchmark run itself: SMOTE, 0.331, became
// augment-half, 0.412, the best). Over the 12 variants the average
// shortfall fell from 0.015 to 0.011 (0.015 to 0.010 and 0.016 to 0.012
// on the two draws), and the share of choices more than 0.03 short from
// about 1 in 6 to 1 in 10. The pooled soft F1 stays the criterion: with
// one repeat the hard F1 of the same predictions fell short by 0.022 on
// the first draw, each fold's own F1 averaged over the folds by 0.038.
// Neither more folds nor repeats change what the rare images themselves
// say: on the first draw's Shirt-60, 6 of 8 fold seeds chose copies or
// SMOTE, and so did all 4 tried with 5 folds (48 of the 60 fitted instead
// of 40); averaged over the 8 seeds copies scored 0.376 and augment-half
// 0.369, where 300 test Shirts gave augment-half 0.498 and copies 0.446.
// On the second draw of 60 Shirts copies came within 0.012 of the best
// held out. No internal test sees past the user's own images.
package autogen
