package spectrogen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
	"github.com/tailsynth/tailsynth/generators/spectrogen"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
)

// The test signals: 0.5 s at 8 kHz. With n_fft 256 and hop 64 a bin is
// 31.25 Hz wide and a file has 1 + 4000/64 = 63 frames.
const (
	rate     = 8000
	nSamples = 4000
	nfft     = 256
	hop      = 64
	bins     = nfft/2 + 1
	frames   = 1 + nSamples/hop
)

// tones are the classes' frequencies: both on bin centres (16 and 64).
var tones = map[string]float64{"low": 500, "high": 2000}

// tone returns file i of a class: a sinusoid of freq Hz with an amplitude
// and phase that depend on i, plus weak seeded noise so no two files are
// equal.
func tone(freq float64, i, n int) []float64 {
	rng := rand.New(rand.NewPCG(uint64(freq), uint64(i)))
	x := make([]float64, n)
	a := 0.4 + 0.05*float64(i)
	for k := range x {
		x[k] = a*math.Sin(2*math.Pi*freq*float64(k)/rate+float64(i)) + 0.01*(rng.Float64()-0.5)
	}
	return x
}

func writeWAV(t testing.TB, path string, a *media.Audio) {
	t.Helper()
	var buf bytes.Buffer
	if err := media.WriteWAV(&buf, a, media.WAVFormat{Encoding: media.EncodingPCM, BitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeDataset writes counts[c] PCM-16 tone files per class under dir.
func writeDataset(t testing.TB, dir string, counts map[string]int) {
	t.Helper()
	for c, n := range counts {
		for i := range n {
			writeWAV(t, filepath.Join(dir, c, fmt.Sprintf("%03d.wav", i)),
				&media.Audio{SampleRate: rate, Channels: [][]float64{tone(tones[c], i, nSamples)}})
		}
	}
}

type harness struct {
	t    testing.TB
	root string
	p    *pipeline.Pipeline
	loc  *locator.Locator
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	root := t.TempDir()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	reg := generators.NewRegistry()
	if err := spectrogen.Register(reg); err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Registry: reg, Workers: 3, Open: func(ctx context.Context, uri string) (storage.Store, error) {
		st, _, err := l.Open(ctx, uri)
		return st, err
	}}
	return &harness{t: t, root: root, p: p, loc: l}
}

func (h *harness) store(dir string) storage.Store {
	h.t.Helper()
	st, _, err := h.loc.Open(context.Background(), filepath.Join(h.root, dir))
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// run runs a job over <root>/ds and returns its output store.
func (h *harness) run(id, gen, params string, strategy generators.Strategy, seed int64) (storage.Store, error) {
	h.t.Helper()
	spec := generators.Spec{ID: id, Dataset: h.root + "/ds", Generator: gen, Params: json.RawMessage(params),
		Strategy: strategy, Seed: seed, Output: h.root + "/out"}
	if _, err := h.p.Run(context.Background(), spec, func(generators.Progress) {}); err != nil {
		return nil, err
	}
	return h.store("out/" + id), nil
}

func (h *harness) mustRun(id, gen, params string, strategy generators.Strategy, seed int64) storage.Store {
	h.t.Helper()
	st, err := h.run(id, gen, params, strategy, seed)
	if err != nil {
		h.t.Fatalf("%s job %s: %v", gen, id, err)
	}
	return st
}

func readAll(t testing.TB, st storage.Store, key string) []byte {
	t.Helper()
	rc, _, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keys(t testing.TB, st storage.Store, prefix string) []string {
	t.Helper()
	var out []string
	for info, err := range st.List(context.Background(), prefix, storage.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.Key)
	}
	sort.Strings(out)
	return out
}

// row is the part of a metadata.jsonl row the tests read.
type row struct {
	FileName    string           `json:"file_name"`
	Label       string           `json:"label"`
	Index       int              `json:"index"`
	Sources     []string         `json:"sources"`
	SampleRate  int              `json:"sample_rate"`
	Samples     int              `json:"analysed_samples"`
	TruncatedAt float64          `json:"truncated_at_seconds"`
	Cycle       int              `json:"cycle"`
	Shape       []int            `json:"shape"`
	DBRef       float64          `json:"db_ref"`
	Scale       spectro.PNGScale `json:"scale"`
	STFT        map[string]any   `json:"stft"`
	Augment     struct {
		Mix *struct {
			Partner string  `json:"partner"`
			Weight  float64 `json:"weight"`
		} `json:"mix"`
		MixSkipped string         `json:"mix_skipped"`
		Shift      int            `json:"shift"`
		FreqMasks  []spectro.Mask `json:"freq_masks"`
		TimeMasks  []spectro.Mask `json:"time_masks"`
		Fill       float64        `json:"mask_fill_value"`
	} `json:"augment"`
	GriffinLim struct {
		Convergence float64 `json:"spectral_convergence"`
	} `json:"griffin_lim"`
}

func rows(t testing.TB, st storage.Store) []row {
	t.Helper()
	var out []row
	for _, l := range strings.Split(strings.TrimSpace(string(readAll(t, st, generators.MetadataKey))), "\n") {
		var r row
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("metadata row %s: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

func generatorReport(t testing.TB, st storage.Store) map[string]any {
	t.Helper()
	var rep struct {
		G map[string]any `json:"generator_report"`
	}
	if err := json.Unmarshal(readAll(t, st, generators.ReportKey), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.G
}

// readSource decodes a dataset file as the tests' reference does.
func (h *harness) readSource(key string) *media.Audio {
	h.t.Helper()
	f, err := os.Open(filepath.Join(h.root, "ds", key))
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	a, err := media.ReadWAV(f)
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// referencePower is |X|² of a dataset file computed directly with spectro
// (librosa's defaults for n_fft 256, hop 64), independently of the
// generators' cache and float32 storage.
func (h *harness) referencePower(key string) *spectro.Spectrogram[float64] {
	h.t.Helper()
	s, err := spectro.NewSTFT(spectro.Config{NFFT: nfft, Hop: hop, Window: spectro.WindowHann, Center: true})
	if err != nil {
		h.t.Fatal(err)
	}
	x, err := s.Forward(nil, h.readSource(key).Mono())
	if err != nil {
		h.t.Fatal(err)
	}
	return spectro.Power(nil, x)
}

// toDB is librosa.amplitude_to_db(sqrt(p), ref=np.max, top_db=80).
func toDB(t testing.TB, p *spectro.Spectrogram[float64]) *spectro.Spectrogram[float64] {
	t.Helper()
	out := p.Clone()
	for i, v := range out.Data {
		out.Data[i] = math.Sqrt(v)
	}
	if _, err := spectro.AmplitudeToDB(out.Data, out.Data, spectro.DBConfig{RefMax: true, Amin: 1e-5, TopDB: 80}); err != nil {
		t.Fatal(err)
	}
	return out
}

// peakBin returns the row with the largest mean over frames.
func peakBin(s *spectro.Spectrogram[float64]) int {
	best, arg := math.Inf(-1), -1
	for b := 0; b < s.Bins; b++ {
		var m float64
		for _, v := range s.Row(b) {
			m += v
		}
		if m /= float64(s.Frames); m > best {
			best, arg = m, b
		}
	}
	return arg
}

func maxAbsDiff(a, b []float64) float64 {
	var d float64
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func readNPY(t testing.TB, data []byte) *spectro.Spectrogram[float64] {
	t.Helper()
	s, err := spectro.ReadNPY[float32](bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := spectro.NewSpectrogram[float64](s.Bins, s.Frames)
	for i, v := range s.Data {
		out.Data[i] = float64(v)
	}
	return out
}
