package smotegen

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/tailsynth/tailsynth/generators"
)

// Name is the generator's name in jobs and in the registry.
const Name = "smote"

// MaxMatrixBytes bounds the two matrices a job holds (see the package
// documentation, Memory): the training rows kept for generation, all
// classes together, and one class's float32 working set in Start (its rows
// plus SMOTE's new rows). A job over it fails with a
// datasets.DatasetError that suggests a smaller size or fewer samples.
const MaxMatrixBytes = 2 << 30

// Generator is the "smote" generator. Its zero value is ready.
type Generator struct{}

var _ generators.Generator = Generator{}

// Register adds the smote generator to r.
func Register(r *generators.Registry) error { return r.Register(Generator{}) }

// Info implements generators.Generator.
func (Generator) Info() generators.Info {
	return generators.Info{
		Name: Name,
		Description: "SMOTE (Chawla et al. 2002, imbalanced-learn semantics): each new sample is x + gap·(n − x) for a training " +
			"sample x of its class, n one of x's k nearest neighbours within the class (Euclidean) and gap ~ U[0, 1); " +
			"on images (decoded, one colour mode and size per job, flattened to [0, 1]) or on 1-D .npy feature vectors",
		Kinds:  []string{"image", "array"},
		Params: paramInfos(),
	}
}

// Validate implements generators.Generator.
func (Generator) Validate(raw json.RawMessage) error {
	_, err := parseParams(raw)
	return err
}

// Start implements generators.Generator: it reads the training samples of
// every class that gets new ones and runs SMOTE on each such class. See the
// package documentation.
func (Generator) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	cfg, err := parseParams(env.Params)
	if err != nil {
		return nil, err
	}
	return start(ctx, env, cfg)
}

func start(ctx context.Context, env *generators.Env, cfg config) (*run, error) {
	r, err := newRun(env, cfg)
	if err != nil {
		return nil, err
	}
	if len(r.order) == 0 {
		return r, nil
	}
	if r.input == inputImage {
		err = r.loadImages(ctx)
	} else {
		err = r.loadVectors(ctx)
	}
	if err != nil {
		return nil, err
	}
	usable := map[string]int{}
	for _, name := range r.order {
		usable[name] = r.classes[name].rows()
	}
	if r.alerts, err = cfg.p.SourceFloor.Check(Name, env.Plan, usable); err != nil {
		return nil, err
	}
	if err := r.synthesize(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// classSeed is the seed of class's SMOTE random stream: the 64-bit FNV-1a
// hash of the job seed (8 bytes, little-endian) followed by the class name.
// A class's samples depend on the job seed and its own data only, not on
// the other classes of the job.
func classSeed(seed int64, class string) int64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(class))
	return int64(h.Sum64())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mib formats a byte count for messages: in MiB from 1 MiB up.
func mib(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%d bytes", b)
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
