package smotegen

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/smote"
)

// Input kinds of a job.
const (
	inputImage  = "image"
	inputVector = "vector"
)

// run is one prepared SMOTE job. It is read-only after Start, so Generate
// may run concurrently.
type run struct {
	env     *generators.Env
	cfg     config
	input   string             // inputImage or inputVector
	order   []string           // classes that get samples, sorted
	classes map[string]*class  // by name
	bad     []badFile          // sorted by key
	alerts  []generators.Alert // few_sources alerts allowed by allow_few_sources

	// Images: the job's size and colour mode, and why.
	size     media.Size
	gray     bool
	sizeNote string
	modeNote string
	resized  int // images read at another size and resized

	// Vectors: '<f8' when any vector read is float64, and why.
	f64       bool
	dtypeNote string

	retained   int64 // bytes of the rows kept for Generate, all classes
	maxWorkset int64 // the largest class's working set in Start
}

// class is one class that gets samples: its training rows and the SMOTE
// draws.
type class struct {
	requested  int
	candidates []datasets.File // files of the job's input kind, sorted by key
	keys       []string        // usable files, sorted: key i is row i
	dim        int
	pix        []uint8   // images: len(keys)·dim levels 0..255
	v32        []float32 // vectors of a '<f4' job
	v64        []float64 // vectors of a '<f8' job
	k          int       // neighbours used: min(k, rows−1)
	prov       []smote.Provenance
}

func (c *class) rows() int { return len(c.keys) }

// badFile is a training file left out of the job, and why.
type badFile struct {
	Key    string `json:"key"`
	Class  string `json:"class"`
	Reason string `json:"reason"`
}

// newRun lists the files of the classes that get samples and fixes the
// job's input kind.
func newRun(env *generators.Env, cfg config) (*run, error) {
	r := &run{env: env, cfg: cfg, classes: map[string]*class{}}
	images, vectors := 0, 0
	for _, c := range sortedKeys(env.Plan) {
		if env.Plan[c] <= 0 {
			continue
		}
		cl := &class{requested: env.Plan[c]}
		for _, f := range env.Train[c] {
			if !datasets.TrainSplit(f.Split) { // defence in depth: Env.Train is the training split
				return nil, fmt.Errorf("leakage guard: %s is in split %q; SMOTE reads the training split only", f.Key, f.Split)
			}
			switch datasets.KindOf(f.Key) {
			case "image":
				images++
			case "array":
				vectors++
			default:
				r.bad = append(r.bad, badFile{Key: f.Key, Class: c, Reason: "not an image or a .npy vector (smote reads .png, .jpg, .jpeg and .npy)"})
				continue
			}
			cl.candidates = append(cl.candidates, f)
		}
		sort.Slice(cl.candidates, func(i, j int) bool { return cl.candidates[i].Key < cl.candidates[j].Key })
		r.classes[c] = cl
		r.order = append(r.order, c)
	}
	if images > 0 && vectors > 0 {
		return nil, &datasets.DatasetError{Msg: fmt.Sprintf(
			"the classes to oversample hold %d images and %d .npy vectors; SMOTE interpolates one kind of sample per job: "+
				"list one kind in a manifest, or split the dataset", images, vectors)}
	}
	r.input = inputImage
	if vectors > 0 {
		r.input = inputVector
	}
	return r, nil
}

// checkRows refuses a class with fewer than two usable rows; usable are
// the keys of its readable files.
func (r *run) checkRows(name string, usable []string) error {
	cl := r.classes[name]
	switch len(usable) {
	case 0:
		return &datasets.DatasetError{Msg: fmt.Sprintf(
			"class %q: %d samples requested but none of its %d training files is a readable %s (bad files: %s)",
			name, cl.requested, len(r.env.Train[name]), r.kindWord(), r.badSummary(name))}
	case 1:
		return &datasets.DatasetError{Msg: fmt.Sprintf(
			"class %q has one usable training file (%s); SMOTE interpolates between two samples of a class: "+
				"add samples to the class or use the \"oversample\" generator, which copies it",
			name, usable[0])}
	}
	return nil
}

func (r *run) kindWord() string {
	if r.input == inputImage {
		return "image"
	}
	return ".npy vector"
}

// checkMemory refuses a class whose working set, or a job whose retained
// rows, would exceed the limit; bytesPer is the size of one retained value.
func (r *run) checkMemory(name string, rows, dim int, bytesPer int64) error {
	cl := r.classes[name]
	work := int64(rows+cl.requested) * int64(dim) * 4
	keep := r.retained + int64(rows)*int64(dim)*bytesPer
	hint := "use a smaller size parameter (e.g. \"64x64\"), ask for fewer samples, or run one job per class"
	if r.input == inputVector {
		hint = "ask for fewer samples, or run one job per class"
	}
	switch {
	case work > r.cfg.limit:
		return &datasets.DatasetError{Msg: fmt.Sprintf(
			"class %q: SMOTE on %d rows of %d values making %d new rows needs %s of float32 matrices, more than the %s limit; %s",
			name, rows, dim, cl.requested, mib(work), mib(r.cfg.limit), hint)}
	case keep > r.cfg.limit:
		return &datasets.DatasetError{Msg: fmt.Sprintf(
			"the training rows of the classes to oversample take %s (class %q: %d rows of %d values), more than the %s limit; %s",
			mib(keep), name, rows, dim, mib(r.cfg.limit), hint)}
	}
	r.maxWorkset = max(r.maxWorkset, work)
	return nil
}

// synthesize runs SMOTE on every class, one at a time: the float32 matrix
// and SMOTE's new rows exist only during the class's turn; the provenance
// (base row, neighbour row, gap) is kept, and Generate recomputes row i
// from the kept training rows.
func (r *run) synthesize(ctx context.Context) error {
	for n, name := range r.order {
		cl := r.classes[name]
		x := r.matrix(cl)
		s, err := smote.Generate(ctx, x, cl.requested, r.cfg.p.K, classSeed(r.env.Seed, name))
		if err != nil {
			return fmt.Errorf("class %q: %w", name, err)
		}
		cl.k, cl.prov = s.K, s.Provenance
		if cl.k < r.cfg.p.K && r.env.Log != nil {
			r.env.Log.Warn("smote: class has too few rows for k; using rows-1", "class", name, "rows", cl.rows(), "k", cl.k)
		}
		r.progress("smote", map[string]any{"class": name, "classes_done": n + 1, "classes": len(r.order)})
	}
	return nil
}

// matrix returns the class's rows as the float32 matrix SMOTE works on:
// pixel levels l as l/255 (float32 division, the same mapping unit uses),
// '<f4' vectors as they are (no copy), '<f8' vectors rounded to float32.
func (r *run) matrix(cl *class) blas32.General {
	x := blas32.General{Rows: cl.rows(), Cols: cl.dim, Stride: cl.dim}
	switch {
	case cl.pix != nil:
		x.Data = make([]float32, len(cl.pix))
		for i, l := range cl.pix {
			x.Data[i] = unit[l]
		}
	case cl.v32 != nil:
		x.Data = cl.v32
	default:
		x.Data = make([]float32, len(cl.v64))
		for i, v := range cl.v64 {
			x.Data[i] = float32(v)
		}
	}
	return x
}

// unit[l] is pixel level l in [0, 1], as float32(l)/255.
var unit = func() (t [256]float32) {
	for l := range t {
		t[l] = float32(l) / 255
	}
	return t
}()

// Generate implements generators.Run: sample i of class is SMOTE row i of
// the class, encoded as PNG (images) or .npy (vectors).
func (r *run) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	cl, ok := r.classes[class]
	if !ok || i < 0 || i >= len(cl.prov) {
		n := 0
		if ok {
			n = len(cl.prov)
		}
		return nil, fmt.Errorf("smote: sample %d of class %q: %d samples were made for the class", i, class, n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := cl.prov[i]
	info := map[string]any{"gap": p.Gap, "k": cl.k}
	s := &generators.Sample{Provenance: map[string]any{
		"sources": []string{cl.keys[p.Base], cl.keys[p.Neighbor]},
		"smote":   info,
	}}
	var err error
	if r.input == inputImage {
		info["size"], info["mode"] = r.size.String(), r.modeName()
		s.Data, err = r.encodeImage(cl, p)
		s.Ext, s.ContentType = ".png", "image/png"
	} else {
		info["dtype"], info["dim"] = r.dtype(), cl.dim
		s.Data, err = r.encodeVector(cl, p)
		s.Ext, s.ContentType = ".npy", "application/x-npy"
	}
	if err != nil {
		return nil, fmt.Errorf("smote: sample %d of class %q: %w", i, class, err)
	}
	return s, nil
}

func (r *run) progress(stage string, fields map[string]any) {
	if r.env.Progress != nil {
		r.env.Progress(stage, fields)
	}
}

// badSummary lists up to three bad files of class for an error message.
func (r *run) badSummary(class string) string {
	var parts []string
	n := 0
	for _, b := range r.bad {
		if b.Class != class {
			continue
		}
		if n++; n <= 3 {
			parts = append(parts, fmt.Sprintf("%s: %s", b.Key, b.Reason))
		}
	}
	if n == 0 {
		return "none"
	}
	if n > 3 {
		parts = append(parts, fmt.Sprintf("and %d more", n-3))
	}
	return strings.Join(parts, "; ")
}

// addBad records bad files and keeps the list sorted by key.
func (r *run) addBad(b ...badFile) {
	r.bad = append(r.bad, b...)
	sort.Slice(r.bad, func(i, j int) bool { return r.bad[i].Key < r.bad[j].Key })
}
