package modelstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/storage"
)

// Keys inside a model's folder.
const (
	CheckpointKey = "model.tsm"
	MetaKey       = "model.json"
)

// ErrNotFound is wrapped by the error for an id that names no model. It
// wraps storage.ErrNotFound, so errors.Is works with either.
var ErrNotFound = fmt.Errorf("model not found: %w", storage.ErrNotFound)

// ErrInvalidID is wrapped by the error for an id that is not "m_" and 16
// lowercase hex digits.
var ErrInvalidID = errkind.New(errkind.Invalid, "invalid model id")

// ErrCorrupt is wrapped when a checkpoint does not match its recorded size
// and SHA-256.
var ErrCorrupt = errors.New("model checkpoint does not match model.json")

// Meta describes a stored model (model.json).
type Meta struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	// Generator is the job generator that trained it: "wgan-gp" or "stftsynth".
	Generator string `json:"generator"`
	// Kind is what a sample is: "image" or "spectrogram".
	Kind string `json:"kind"`
	// Classes are the class names; index = the model's class id.
	Classes []string `json:"classes"`
	// TrainingCounts is the number of training samples per class (images,
	// or spectrogram windows for stftsynth).
	TrainingCounts map[string]int `json:"training_counts"`
	// DatasetFingerprint is the training dataset's fingerprint
	// (datasets.Dataset.Fingerprint) when the model was trained.
	DatasetFingerprint string `json:"dataset_fingerprint"`
	// Architecture is the gan.Config, Hyperparameters the gan.Hyper.
	Architecture    json.RawMessage `json:"architecture"`
	Hyperparameters json.RawMessage `json:"hyperparameters"`
	// Input says how training samples were made from the dataset and how
	// generated ones map back (image size and channels, or the STFT
	// settings and the dB scale).
	Input json.RawMessage `json:"input"`
	// Params are the job's generator parameters.
	Params   json.RawMessage `json:"params"`
	Training Training        `json:"training"`
	// Versions of the software that trained it.
	TailsynthVersion string `json:"tailsynth_version"`
	GorgoniaVersion  string `json:"gorgonia_version"`
	BLAS             string `json:"blas"`
	// SourceJob is the id of the job that trained the model, when known.
	SourceJob  string     `json:"source_job,omitempty"`
	Checkpoint Checkpoint `json:"checkpoint"`
}

// Training summarises how a model was trained.
type Training struct {
	Steps   int     `json:"steps"`   // generator updates
	Seconds float64 `json:"seconds"` // summed step wall time, all attempts
	// Stop is why training ended: steps, time (the time budget) or resumed
	// (the checkpoint had already reached the target).
	Stop string `json:"stop"`
	// Final are the means of the last min(50, Steps) steps.
	Final Losses `json:"final"`
	// History is the loss history downsampled to at most 256 points (each
	// the mean of consecutive steps, Step the last of them).
	History []Point `json:"history"`
}

// Losses are WGAN-GP training figures (see gan.StepStats).
type Losses struct {
	CriticLoss  float64 `json:"critic_loss"`
	GenLoss     float64 `json:"generator_loss"`
	Wasserstein float64 `json:"wasserstein"`
	GradNorm    float64 `json:"grad_norm"`
}

// Point is one point of a downsampled loss history.
type Point struct {
	Step int `json:"step"`
	Losses
}

// Checkpoint identifies the bytes of model.tsm.
type Checkpoint struct {
	Key    string `json:"key"` // relative to the store: <id>/model.tsm
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Store keeps models in a storage.Store. It is safe for concurrent use.
type Store struct{ st storage.Store }

// New returns a model store over st (keys <id>/model.tsm, <id>/model.json).
func New(st storage.Store) *Store { return &Store{st: st} }

// NewID returns a fresh random id: "m_" and 16 lowercase hex digits.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "m_" + hex.EncodeToString(b[:])
}

// ValidateID reports whether id has the form NewID gives.
func ValidateID(id string) error {
	h, ok := strings.CutPrefix(id, "m_")
	if !ok || len(h) != 16 || strings.ToLower(h) != h {
		return fmt.Errorf("%w %q: want \"m_\" followed by 16 lowercase hex digits", ErrInvalidID, id)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return fmt.Errorf("%w %q: want \"m_\" followed by 16 lowercase hex digits", ErrInvalidID, id)
	}
	return nil
}

// Put stores a model: checkpoint first, then meta (with Checkpoint filled
// in). Putting an id again replaces the model, which is how a retried job
// stores the same model without leaving a second one behind.
func (s *Store) Put(ctx context.Context, meta *Meta, checkpoint []byte) error {
	if err := ValidateID(meta.ID); err != nil {
		return err
	}
	sum := sha256.Sum256(checkpoint)
	meta.Checkpoint = Checkpoint{Key: meta.ID + "/" + CheckpointKey, Bytes: int64(len(checkpoint)), SHA256: hex.EncodeToString(sum[:])}
	if _, err := s.st.Put(ctx, meta.Checkpoint.Key, bytes.NewReader(checkpoint), int64(len(checkpoint)),
		storage.PutOptions{ContentType: "application/octet-stream"}); err != nil {
		return fmt.Errorf("storing model %s: %w", meta.ID, err)
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	if _, err := s.st.Put(ctx, meta.ID+"/"+MetaKey, bytes.NewReader(b), int64(len(b)),
		storage.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("storing model %s: %w", meta.ID, err)
	}
	return nil
}

// Get returns a model's metadata. An unknown id wraps ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Meta, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	b, err := s.read(ctx, id+"/"+MetaKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: no model %q in the model store", ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("model %s: reading %s: %w", id, MetaKey, err)
	}
	return &m, nil
}

// Load returns a model's checkpoint bytes and metadata, checking the bytes
// against the recorded size and SHA-256.
func (s *Store) Load(ctx context.Context, id string) ([]byte, *Meta, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.read(ctx, m.Checkpoint.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("model %s: %w", id, err)
	}
	sum := sha256.Sum256(b)
	if int64(len(b)) != m.Checkpoint.Bytes || hex.EncodeToString(sum[:]) != m.Checkpoint.SHA256 {
		return nil, nil, fmt.Errorf("%w: model %s: %s has %d bytes, sha256 %x; model.json records %d bytes, sha256 %s",
			ErrCorrupt, id, m.Checkpoint.Key, len(b), sum, m.Checkpoint.Bytes, m.Checkpoint.SHA256)
	}
	return b, m, nil
}

// List returns every complete model (one with a model.json), newest first
// (ties by id). A model.json that cannot be read is an error.
func (s *Store) List(ctx context.Context) ([]Meta, error) {
	var out []Meta
	for info, err := range s.st.List(ctx, "m_", storage.ListOptions{}) {
		if err != nil {
			return nil, err
		}
		id, rest, ok := strings.Cut(info.Key, "/")
		if !ok || rest != MetaKey || ValidateID(id) != nil {
			continue
		}
		m, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (s *Store) read(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := s.st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
