// Package quality answers two questions about synthetic minority-class
// samples: do they look like the real data, and do they make a classifier
// better on the rare classes than the classic baselines? It is a pure numeric
// library (gonum; no HTTP, no storage): callers hand it float32 vectors, one
// per row of a row-major [gonum.org/v1/gonum/blas/blas32.General] — flattened
// images with values in [0, 1], spectrogram features, any numeric features.
//
// # Feature spaces
//
// Distribution figures are computed in a feature space the caller chooses:
//
//   - [TrainMLP] then [MLP.Embed]: the ReLU hidden layer (default 128 units)
//     of a one-hidden-layer classifier trained, seeded and deterministic, on
//     the real training split. The default for Fréchet distance and
//     precision/recall: class-aware like the Inception features of FID, and
//     small enough to train in seconds to a minute in pure Go.
//   - [FitPCA] then [PCA.Transform]: a label-free, seed-free projection
//     fitted on the training split; the fallback when there are too few
//     labelled rows to train the MLP.
//   - Raw pixels: for the memorization check, where a literal copy matters.
//
// Figures from different feature spaces (or MLPs of different seeds) are not
// comparable: store the feature config beside every figure.
//
// # Distribution figures
//
//   - [FrechetDistance]: Heusel et al. 2017 (the formula of FID), with the
//     sample counts; biased for small sets ([FrechetBiasNote]).
//   - [KNNPrecisionRecall]: Kynkäänniemi et al. 2019, k = 3: fidelity
//     (precision) and coverage (recall) separately.
//   - [CheckMemorization]: nearest-training-sample distance of every
//     synthetic vector relative to the median nearest-neighbour distance
//     inside the training set, with flagged near-copies.
//
// # Utility
//
// [EvaluateUtility] trains a fixed, deterministic classifier ([TrainLogReg],
// multinomial logistic regression, L-BFGS) on the real training split alone
// and on the split plus each variant's rows — random oversampling
// ([RandomOversampling]), SMOTE ([SMOTE], package smote), a generator's
// synthetic samples ([Fixed]) — over several seeds, and scores each on the
// held-out real test split: per-class precision, recall and F1, minority F1,
// macro F1 and balanced accuracy ([Metrics]), with mean, spread and paired
// lift over "real" and over "smote". Weighted or plain accuracy hides a rare
// class's failure, so the headline figure is the minority F1.
//
// What helps depends on the model that consumes the data, so the judge is a
// choice (UtilityConfig.Judge): "logreg", the logistic regression above
// (the default, on any features), or "cnn", a small convolutional network
// ([TrainCNN]: two 3×3 convolutions with max pooling, a dense layer, Adam,
// a few epochs on the CPU) on image rows — closer to what users train.
// Neither weights the classes: a judge must show what the added rows do,
// not compensate for the imbalance itself. The CNN's own training is
// random, so with it every variant, the real baseline included, is trained
// once per seed (the seed drives the initial weights and the shuffles) and
// lifts pair runs of the same seed. It costs about 20 s of one core per
// classifier on 5,000 28×28 gray rows; the logistic regression a few
// seconds on PCA features. scripts/bench/judge compares the two on
// Fashion-MNIST.
//
// Nearest-neighbour searches are exact and blocked (package
// quality/neighbors); the k-NN figures cost n² × dim multiply-adds, so
// subsample sets of more than a few tens of thousands of rows.
package quality
