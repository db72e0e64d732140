package gangen

import (
	"math"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/gan"
)

// TestMemCheck: on four training points of one class at known distances,
// an exact copy has ratio 0 and counts as a near-copy; a point far away
// has the ratio its distance gives.
func TestMemCheck(t *testing.T) {
	// 1-D "images": 0, 1, 3, 6. Nearest-neighbour distances 1, 1, 2, 3:
	// median 1.5.
	d := &trainSet{classes: []string{"a"}, h: 1, w: 1, c: 1, x: []float32{0, 1, 3, 6}, labels: []int{0, 0, 0, 0},
		keys: []string{"a/0", "a/1", "a/3", "a/6"}, byClass: [][]int{{0, 1, 2, 3}}}
	m := newMemCheck(d, 3)
	m.observe("a", 0, []float32{3})  // copy of a/3: ratio 0
	m.observe("a", 1, []float32{9})  // 3 from a/6: ratio 2
	m.observe("a", 2, []float32{-3}) // 3 from a/0: ratio 2
	m.observe("a", 3, []float32{3})  // beyond the limit: ignored
	rep := m.report()
	c := rep["classes"].(map[string]MemorizationClass)["a"]
	if c.Checked != 3 || c.NearCopies != 1 || *c.TrainMedianNN != 1.5 || *c.MinRatio != 0 || *c.MedianRatio != 2 {
		t.Errorf("class a = %+v (median NN %v, ratios %v..%v), want 3 checked, 1 near-copy, median NN 1.5, ratios 0 and median 2",
			c, *c.TrainMedianNN, *c.MinRatio, *c.MedianRatio)
	}
	if c.Closest.Index != 0 || c.Closest.Training != "a/3" {
		t.Errorf("closest = %+v, want sample 0 at a/3", c.Closest)
	}
	if rep["near_copies"] != 1 {
		t.Errorf("near_copies = %v, want 1", rep["near_copies"])
	}
}

// TestWindowsTone: the normalised spectrogram of a 1 kHz tone at 8 kHz
// with a 32-point STFT peaks at bin 4 (250 Hz per bin) with value 1
// (0 dB); dB maps back within float32 rounding.
func TestWindowsTone(t *testing.T) {
	fe, err := newFeatures(stftInput{NFFT: 32, HopLength: 8, Frames: 8, TopDB: 80, Bins: 16, SampleRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, 800)
	for i := range x {
		x[i] = math.Sin(2 * math.Pi * 1000 * float64(i) / 8000)
	}
	wins, err := fe.windows(x, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(wins) != 3 {
		t.Fatalf("%d windows, want 3 (max_windows)", len(wins))
	}
	w := wins[1]
	for tt := range 8 {
		best := 0
		for b := range 16 {
			if w[b*8+tt] > w[best*8+tt] {
				best = b
			}
		}
		if best != 4 || math.Abs(float64(w[4*8+tt])-1) > 1e-3 {
			t.Errorf("frame %d: peak at bin %d value %v, want bin 4 value 1", tt, best, w[best*8+tt])
		}
	}
	db := fe.dB(w)
	for i, v := range w {
		if want := (float64(v) - 1) * 40; math.Abs(db.Data[i]-want) > 1e-9 || db.Data[i] > 0 || db.Data[i] < -80 {
			t.Fatalf("dB[%d] = %v, want %v in [-80, 0]", i, db.Data[i], want)
		}
	}
	short, err := fe.windows(x[:20], 3)
	if err != nil {
		t.Fatal(err)
	}
	// 20 samples: 3 frames; one window, padded with silence (-1).
	if len(short) != 1 || short[0][7] != -1 {
		t.Errorf("short signal: %d windows, last frame of bin 0 = %v, want 1 window padded with -1", len(short), short[0][7])
	}
}

// TestSummarize: 600 steps are kept as at most 256 means of consecutive
// steps; Final is the mean of the last 50.
func TestSummarize(t *testing.T) {
	var h []gan.StepStats
	for i := 1; i <= 600; i++ {
		h = append(h, gan.StepStats{Step: i, CriticLoss: float64(i), Seconds: 0.5})
	}
	s := summarize(h, "steps")
	if s.Steps != 600 || s.Seconds != 300 || len(s.History) != 200 || s.History[0].Step != 3 || s.History[0].CriticLoss != 2 {
		t.Errorf("summary: %d steps, %v s, %d points, first %+v; want 600, 300, 200 points of 3 steps, first step 3 mean 2",
			s.Steps, s.Seconds, len(s.History), s.History[0])
	}
	if s.Final.CriticLoss != 575.5 {
		t.Errorf("final critic loss %v, want the mean of steps 551..600 = 575.5", s.Final.CriticLoss)
	}
}

func TestClampSize(t *testing.T) {
	tests := []struct{ w, h, ww, wh int }{
		{28, 28, 28, 28}, {32, 32, 32, 32}, {224, 224, 64, 64}, {640, 480, 64, 48}, {30, 10, 28, 8}, {5, 5, 8, 8},
	}
	for _, tt := range tests {
		if w, h, _ := clampSize(tt.w, tt.h); w != tt.ww || h != tt.wh {
			t.Errorf("clampSize(%d, %d) = %d, %d, want %d, %d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

// TestResolveAugment: diffaugment auto is translation,cutout for images
// when the smallest class is under AutoAugmentBelow, off at or above it
// and for spectrograms; a given diffaugment is kept.
func TestResolveAugment(t *testing.T) {
	on := gan.Augment{Translation: true, Cutout: true}
	for _, tc := range []struct {
		name   string
		param  string
		counts map[string]int
		images bool
		want   gan.Augment
		note   string
	}{
		{"small class", "auto", map[string]int{"a": 500, "b": 99}, true, on, `"b", has 99 images, fewer than 100`},
		{"every class large", "AUTO", map[string]int{"a": 500, "b": 100}, true, gan.Augment{}, `"b", has 100 images, at least 100`},
		{"spectrograms", "auto", map[string]int{"a": 500, "b": 3}, false, gan.Augment{}, "spectrograms"},
		{"given off", "", map[string]int{"a": 500, "b": 3}, true, gan.Augment{}, ""},
		{"given color", "color", map[string]int{"a": 500, "b": 3}, true, gan.Augment{Color: true}, ""},
	} {
		p := DefaultTrainParams()
		p.DiffAugment = tc.param
		c, err := p.resolve(WGANName, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		note := c.resolveAugment(tc.counts, tc.images)
		if c.augment != tc.want || (tc.note == "") != (note == "") || !strings.Contains(note, tc.note) {
			t.Errorf("%s: augment %+v, note %q; want %+v and a note with %q", tc.name, c.augment, note, tc.want, tc.note)
		}
	}
}
