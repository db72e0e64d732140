package spectrogen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/spectro"
)

// Mixing weights are drawn uniformly from [mixWeightMin, mixWeightMax]: the
// primary source keeps at least 30% of the energy and at most 70%.
const (
	mixWeightMin = 0.3
	mixWeightMax = 0.7
)

// SpecAugment is the "specaugment" generator. Sample i of class c is made
// from a training file of c drawn with the sample's random source
// (generators.SampleRand): its linear spectrogram (|X|² or mel power) is,
// with probability mix_prob, mixed in the power domain with a second file
// of the class (weight w ~ U[0.3, 0.7] on the first), shifted circularly
// by s ~ U{−max_shift..max_shift} frames, converted to the output scale,
// and masked: freq_masks frequency masks then time_masks time masks
// (SpecAugment, Park et al. 2019, without time warping), each filled with
// the spectrogram's minimum or mean. The result is written as a
// spectrogram, or, with waveform, as a WAV reconstructed by Griffin-Lim
// after mapping the output scale back to the STFT magnitude.
type SpecAugment struct{}

var _ generators.Generator = SpecAugment{}

// Info implements generators.Generator.
func (SpecAugment) Info() generators.Info {
	return generators.Info{
		Name: "specaugment",
		Description: "SpecAugment on STFT spectrograms of WAV files (Park et al. 2019): frequency and time masks, circular time shift " +
			"and same-class mixing in the power domain; writes spectrograms (16-bit PNG or npy) or Griffin-Lim waveforms",
		Kinds:  []string{"audio"},
		Params: specAugmentParamInfo(),
	}
}

func (SpecAugment) params(raw json.RawMessage) (SpecAugmentParams, error) {
	p := DefaultSpecAugmentParams()
	if err := generators.DecodeParams("specaugment", raw, &p); err != nil {
		// encoding/json names fields of the embedded struct
		// "FeatureParams.n_fft"; the user wrote "n_fft".
		var pe *generators.ParamError
		if errors.As(err, &pe) {
			pe.Msg = strings.ReplaceAll(pe.Msg, `"FeatureParams.`, `"`)
		}
		return p, err
	}
	if err := p.resolve("specaugment"); err != nil {
		return p, err
	}
	if p.Waveform {
		s, err := spectro.NewSTFT(p.stftConfig())
		if err != nil {
			return p, paramErr("specaugment", "%v", err)
		}
		if !s.NOLA() {
			return p, paramErr("specaugment", "waveform needs an invertible STFT, but window %s of win_length %d with hop_length %d violates the NOLA condition; use a smaller hop_length",
				p.Window, p.WinLength, p.HopLength)
		}
	}
	return p, nil
}

// Validate implements generators.Generator.
func (g SpecAugment) Validate(raw json.RawMessage) error {
	_, err := g.params(raw)
	return err
}

// Start implements generators.Generator: it checks every training file
// of the classes that get samples (see checkSources).
func (g SpecAugment) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	p, err := g.params(env.Params)
	if err != nil {
		return nil, err
	}
	an, err := newAnalyzer(p.FeatureParams)
	if err != nil {
		return nil, paramErr("specaugment", "%v", err)
	}
	r := &specAugmentRun{
		env: env, p: p, an: an, ld: &loader{store: env.Source, an: an},
		cache: newCache(int64(p.CacheMiB) << 20), sheet: newSheet(p.Scale, true),
		stats: newRunStats(),
	}
	if r.src, err = checkSources(ctx, "specaugment", env, p.SourceFloor, r.cache, r.ld); err != nil {
		return nil, err
	}
	return r, nil
}

type specAugmentRun struct {
	env   *generators.Env
	p     SpecAugmentParams
	an    *analyzer
	ld    *loader
	cache *cache
	sheet *sheet
	stats *runStats
	aug   augStats
	src   *sourceSet
}

func (r *specAugmentRun) get(ctx context.Context, key string) (*source, error) {
	return r.cache.get(ctx, key, func(ctx context.Context) (*source, error) { return r.ld.load(ctx, key) })
}

func (r *specAugmentRun) Generate(ctx context.Context, class string, i int) (*generators.Sample, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	files := r.src.files[class]
	if len(files) == 0 {
		return nil, fmt.Errorf("class %q has no usable training files", class)
	}
	rng := generators.SampleRand(r.env.Seed, class, i)
	k := rng.IntN(len(files))
	src, err := r.get(ctx, files[k])
	if err != nil {
		return nil, err
	}
	pow := toFloat64(src.Linear)
	var orig *spectro.Spectrogram[float64] // the unaugmented source, for the sheet
	if r.sheet.wants(i) {
		sc, err := r.an.scale(pow.Clone())
		if err != nil {
			return nil, err
		}
		orig = sc.S
	}
	sources, used := []string{src.Key}, []*source{src}
	aug := map[string]any{"mix": nil}

	// Same-class mixing in the power domain.
	if r.p.MixProb > 0 && len(files) > 1 && rng.Float64() < r.p.MixProb {
		j := rng.IntN(len(files) - 1)
		if j >= k {
			j++
		}
		w := mixWeightMin + (mixWeightMax-mixWeightMin)*rng.Float64()
		partner, err := r.get(ctx, files[j])
		if err != nil {
			return nil, err
		}
		if partner.SampleRate != src.SampleRate {
			aug["mix_skipped"] = fmt.Sprintf("partner %s has sample rate %d Hz, %s has %d Hz", partner.Key, partner.SampleRate, src.Key, src.SampleRate)
		} else {
			b := fitFrames(toFloat64(partner.Linear), pow.Frames)
			if pow, err = spectro.MixPower(pow, b, w); err != nil {
				return nil, err
			}
			sources, used = append(sources, partner.Key), append(used, partner)
			aug["mix"] = map[string]any{"partner": partner.Key, "weight": w, "partner_frames": partner.Linear.Frames}
		}
	}

	// Circular time shift.
	shift := 0
	if r.p.MaxShift > 0 {
		if pow, shift, err = spectro.RandomTimeShift(rng, pow, r.p.MaxShift, spectro.ShiftCircular, 0); err != nil {
			return nil, err
		}
	}
	aug["shift"] = shift

	sc, err := r.an.scale(pow)
	if err != nil {
		return nil, err
	}
	fill := fillValue(sc.S.Data, r.p.MaskFill)
	var fm, tm []spectro.Mask
	if sc.S, fm, err = spectro.FreqMask(rng, sc.S, spectro.MaskConfig{Count: r.p.FreqMasks, MaxWidth: r.p.FreqMaskMax, Value: fill}); err != nil {
		return nil, err
	}
	if sc.S, tm, err = spectro.TimeMask(rng, sc.S, spectro.MaskConfig{Count: r.p.TimeMasks, MaxWidth: r.p.TimeMaskMax, MaxFraction: r.p.TimeMaskFraction, Value: fill}); err != nil {
		return nil, err
	}
	aug["freq_masks"], aug["time_masks"] = fm, tm
	aug["mask_fill"], aug["mask_fill_value"] = r.p.MaskFill, fill
	masked := maskedFraction(fm, tm, sc.S.Bins, sc.S.Frames)
	aug["masked_fraction"] = masked

	r.sheet.add(class, i, orig, sc.S)
	prov := sourceProvenance(r.an, src, sources, 0)
	prov["augment"] = aug
	if !r.p.Waveform {
		s, err := encodeSpectrogram(&r.p.FeatureParams, sc, prov)
		if err != nil {
			return nil, err
		}
		r.stats.add(class, used...)
		r.aug.add(len(used) > 1, masked, math.NaN())
		return s, nil
	}
	return r.waveform(ctx, class, rng, used, sc, prov, masked)
}

// waveform reconstructs a signal from the augmented spectrogram with
// Griffin-Lim and writes it as a float32 WAV of the source's length.
func (r *specAugmentRun) waveform(ctx context.Context, class string, rng *rand.Rand, used []*source, sc scaled, prov map[string]any, masked float64) (*generators.Sample, error) {
	src := used[0]
	mag, err := r.an.magnitude(ctx, sc, src.SampleRate, src.Key)
	if err != nil {
		return nil, err
	}
	seed := rng.Uint64()
	gl, err := r.an.stft.GriffinLim(ctx, mag, spectro.GriffinLimConfig{
		Iterations: r.p.Iterations, Momentum: r.p.Momentum, Init: spectro.PhaseRandom, Seed: seed, Length: src.Samples,
	})
	if err != nil {
		return nil, fmt.Errorf("griffin-lim from %s: %w", src.Key, err)
	}
	data, err := encodeWAV(gl.Signal, src.SampleRate)
	if err != nil {
		return nil, err
	}
	conv := gl.Convergence[len(gl.Convergence)-1]
	prov["shape"] = []int{sc.S.Bins, sc.S.Frames}
	if sc.Ref > 0 {
		prov["db_ref"] = sc.Ref
	}
	prov["griffin_lim"] = map[string]any{
		"iterations": r.p.Iterations, "momentum": r.p.Momentum, "phase_seed": seed,
		"spectral_convergence": conv, "samples": len(gl.Signal), "wav": "float32",
	}
	r.stats.add(class, used...)
	r.aug.add(len(used) > 1, masked, conv)
	return &generators.Sample{Data: data, Ext: ".wav", ContentType: "audio/wav", Provenance: prov}, nil
}

// fitFrames crops s to frames or pads it with silence (zero power).
func fitFrames(s *spectro.Spectrogram[float64], frames int) *spectro.Spectrogram[float64] {
	if s.Frames == frames {
		return s
	}
	out := spectro.NewSpectrogram[float64](s.Bins, frames)
	for b := 0; b < s.Bins; b++ {
		copy(out.Row(b), s.Row(b))
	}
	return out
}

// fillValue is the masked value: the minimum (silence: the dB floor, or
// the smallest magnitude) or the mean.
func fillValue(v []float64, mode string) float64 {
	if mode == "mean" {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

// maskedFraction is the fraction of cells that some mask covers.
func maskedFraction(fm, tm []spectro.Mask, bins, frames int) float64 {
	union := func(ms []spectro.Mask, n int) float64 {
		hit := make([]bool, n)
		c := 0
		for _, m := range ms {
			for i := m.Start; i < m.Start+m.Width; i++ {
				if !hit[i] {
					hit[i] = true
					c++
				}
			}
		}
		return float64(c) / float64(n)
	}
	fr, ft := union(fm, bins), union(tm, frames)
	return 1 - (1-fr)*(1-ft)
}

func (r *specAugmentRun) Finish(context.Context) (*generators.Extras, error) {
	return finish(r.an, r.cache, r.sheet, r.stats, r.src.report(r.aug.report(r.p)))
}

// augStats sums augmentation figures over a run.
type augStats struct {
	mu       sync.Mutex
	n, mixes int
	masked   float64
	conv     float64
	convN    int
}

func (s *augStats) add(mixed bool, masked, conv float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if mixed {
		s.mixes++
	}
	s.masked += masked
	if !math.IsNaN(conv) {
		s.conv += conv
		s.convN++
	}
}

func (s *augStats) report(p SpecAugmentParams) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]any{
		"augment": map[string]any{
			"time_masks": p.TimeMasks, "time_mask_max": p.TimeMaskMax, "time_mask_fraction": p.TimeMaskFraction,
			"freq_masks": p.FreqMasks, "freq_mask_max": p.FreqMaskMax, "mask_fill": p.MaskFill,
			"max_shift": p.MaxShift, "mix_prob": p.MixProb, "mix_weight_range": []float64{mixWeightMin, mixWeightMax},
		},
		"mixed_samples": s.mixes,
	}
	if s.n > 0 {
		m["mean_masked_fraction"] = s.masked / float64(s.n)
	}
	if p.Waveform {
		gl := map[string]any{"iterations": p.Iterations, "momentum": p.Momentum, "wav": "float32"}
		if s.convN > 0 {
			gl["mean_spectral_convergence"] = s.conv / float64(s.convN)
		}
		m["griffin_lim"] = gl
	}
	return m
}
