package evaluate

import (
	"fmt"
	"slices"

	"github.com/tailsynth/tailsynth/quality"
)

// Feature spaces of the fidelity and utility figures.
const (
	SpaceMLP = "mlp" // the hidden layer of quality.TrainMLP, trained on the real training rows
	SpacePCA = "pca" // quality.FitPCA on the real training rows
)

// Config sets what an assessment measures and bounds its cost. Zero values
// mean the defaults in brackets; DefaultConfig spells them out.
type Config struct {
	Features FeatureOptions `json:"features"`
	// Space is the feature space of the Fréchet distance and k-NN
	// precision/recall: SpaceMLP [default] or SpacePCA.
	Space string `json:"space"`
	// UtilitySpace is the feature space of the utility classifier and of
	// its SMOTE baseline: SpacePCA [default] or SpaceMLP. PCA is the
	// default because it is label-free: an MLP trained on the imbalanced
	// real split has learned little about a class it saw a few times, so
	// its embedding squeezes that class's rows (real or synthetic) towards
	// the others and hides what added rows could change.
	UtilitySpace string `json:"utility_space"`
	// MLP configures the embedding (hidden 128, 10 epochs, seed 1;
	// inputs standardised for audio features).
	MLP quality.MLPConfig `json:"mlp"`
	// PCAComponents is the dimension of the PCA space [64, at most the
	// feature dimension and the training rows − 1].
	PCAComponents int `json:"pca_components"`
	// MaxTrainRows bounds the real training rows that train the embedding
	// and the classifier [12000]. Above it every class is subsampled at one
	// fraction f (seeded), so the class imbalance is kept, and the rows
	// that each variant adds to a class are scaled by the same f; a class
	// keeps at least min(its size, 8) rows.
	MaxTrainRows int `json:"max_train_rows"`
	// MaxHeldOutPerClass bounds the held-out rows per class [1000].
	MaxHeldOutPerClass int `json:"max_held_out_per_class"`
	// MaxSyntheticPerClass bounds the synthetic rows per class that the
	// fidelity figures read [1000].
	MaxSyntheticPerClass int `json:"max_synthetic_per_class"`
	// MaxMemorizationTrain bounds the training rows of a class searched for
	// each sample's nearest neighbour [20000].
	MaxMemorizationTrain int `json:"max_memorization_train"`
	// K is the neighbourhood of k-NN precision and recall [3].
	K int `json:"k"`
	// Memorization configures the near-copy check (threshold 0.1 of the
	// median nearest-neighbour gap inside the class's training rows).
	Memorization quality.MemorizationConfig `json:"memorization"`
	// NearCopyAlert flags a class whose share of near-copies exceeds it
	// [0.05].
	NearCopyAlert float64 `json:"near_copy_alert"`
	// Seeds drive the seeded utility variants [1, 2, 3].
	Seeds []int64 `json:"seeds"`
	// SMOTEK is SMOTE's neighbourhood in the utility baseline [5].
	SMOTEK int `json:"smote_k"`
	// Classifier sets the logistic-regression judge.
	Classifier quality.LogRegConfig `json:"classifier"`
	// Judges are the utility classifiers of an image dataset, the first
	// the headline judge whose figures head the reports and order the
	// leaderboard [JudgeCNN, JudgeLogReg]: quality.JudgeCNN, a small CNN
	// on the pixel rows, and quality.JudgeLogReg, logistic regression in
	// the utility space. An audio dataset is judged by JudgeLogReg alone
	// (the CNN reads images). An evaluation request's judges replace them.
	Judges []string `json:"judges"`
	// CNN sets the CNN judge: zero values are quality's defaults (3×3
	// convolutions of 16 and 32 channels, a dense layer of 64, 8 epochs
	// of Adam at 1e-3 in batches of 64); Height, Width and Channels are
	// set from the features (Features.Size, 1 channel for gray, 3 for RGB)
	// and its Seed is each run's. Fewer epochs cut the cost, which grows
	// with the training rows (about 20 s of one core per run on 5,000
	// 28×28 gray rows) times (3 baselines + methods) × seeds.
	CNN quality.CNNConfig `json:"cnn"`
}

// Judges of the utility figures (quality.UtilityConfig.Judge).
const (
	JudgeCNN = quality.JudgeCNN
)

// DefaultImageJudges are the judges of an image dataset, headline first;
// an audio dataset's are AudioJudges.
var (
	DefaultImageJudges = []string{JudgeCNN, JudgeLogReg}
	AudioJudges        = []string{JudgeLogReg}
)

// knownJudges are the accepted judge names, in the order of the messages.
var knownJudges = []string{JudgeCNN, JudgeLogReg}

// checkJudges validates a list of judge names: at least one, known, none
// twice. field names the list in the message ("judges").
func checkJudges(field string, judges []string) error {
	accepted := fmt.Sprintf("accepted: %q (a small CNN on the images, the default headline) and %q (logistic regression in the utility feature space), each at most once, the first being the headline",
		knownJudges[0], knownJudges[1])
	if len(judges) == 0 {
		return fmt.Errorf("%s is empty; %s", field, accepted)
	}
	seen := map[string]bool{}
	for _, j := range judges {
		if !slices.Contains(knownJudges, j) {
			return fmt.Errorf("%s %q: unknown judge %q; %s", field, judges, j, accepted)
		}
		if seen[j] {
			return fmt.Errorf("%s %q: judge %q named twice; %s", field, judges, j, accepted)
		}
		seen[j] = true
	}
	return nil
}

// judgesFor returns the judges of a dataset of the featurizer's kind, and
// a note when the configured ones were cut (the CNN on audio).
func (c Config) judgesFor(kind string) ([]string, string) {
	if kind != KindAudio {
		return c.Judges, ""
	}
	if slices.Contains(c.Judges, JudgeCNN) {
		return AudioJudges, fmt.Sprintf("judges: %q only; the %q judge reads images and this dataset holds audio", JudgeLogReg, JudgeCNN)
	}
	return c.Judges, ""
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{}.withDefaults() }

func (c Config) withDefaults() Config {
	if c.Space == "" {
		c.Space = SpaceMLP
	}
	if c.UtilitySpace == "" {
		c.UtilitySpace = SpacePCA
	}
	if c.MLP.Hidden == 0 {
		c.MLP.Hidden = 128
	}
	if c.MLP.Epochs == 0 {
		c.MLP.Epochs = 10
	}
	if c.MLP.Seed == 0 {
		c.MLP.Seed = 1
	}
	if c.PCAComponents == 0 {
		c.PCAComponents = 64
	}
	if c.MaxTrainRows == 0 {
		c.MaxTrainRows = 12000
	}
	if c.MaxHeldOutPerClass == 0 {
		c.MaxHeldOutPerClass = 1000
	}
	if c.MaxSyntheticPerClass == 0 {
		c.MaxSyntheticPerClass = 1000
	}
	if c.MaxMemorizationTrain == 0 {
		c.MaxMemorizationTrain = 20000
	}
	if c.K == 0 {
		c.K = quality.DefaultPRK
	}
	if c.Memorization.Threshold == 0 {
		c.Memorization.Threshold = quality.DefaultMemorizationThreshold
	}
	if c.NearCopyAlert == 0 {
		c.NearCopyAlert = 0.05
	}
	if len(c.Seeds) == 0 {
		c.Seeds = []int64{1, 2, 3}
	}
	if c.SMOTEK == 0 {
		c.SMOTEK = 5
	}
	if len(c.Judges) == 0 {
		c.Judges = slices.Clone(DefaultImageJudges)
	}
	c.Features = c.Features.withDefaults()
	return c
}

func (c Config) validate() error {
	for _, s := range []string{c.Space, c.UtilitySpace} {
		if s != SpaceMLP && s != SpacePCA {
			return fmt.Errorf("feature space %q: accepted: %q or %q", s, SpaceMLP, SpacePCA)
		}
	}
	if c.MaxTrainRows < 16 || c.MaxHeldOutPerClass < 2 || c.MaxSyntheticPerClass < 2 || c.MaxMemorizationTrain < 2 {
		return fmt.Errorf("limits max_train_rows %d (>= 16), max_held_out_per_class %d, max_synthetic_per_class %d, max_memorization_train %d (>= 2) are too small",
			c.MaxTrainRows, c.MaxHeldOutPerClass, c.MaxSyntheticPerClass, c.MaxMemorizationTrain)
	}
	if len(c.Seeds) > 10 {
		return fmt.Errorf("%d seeds, at most 10 are accepted", len(c.Seeds))
	}
	if c.NearCopyAlert <= 0 || c.NearCopyAlert >= 1 {
		return fmt.Errorf("near_copy_alert %v, want a share in (0, 1)", c.NearCopyAlert)
	}
	if err := checkJudges("judges", c.Judges); err != nil {
		return err
	}
	return c.Features.validate()
}
