package gangen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"sync"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
	"github.com/tailsynth/tailsynth/storage"
)

// STFTSynth is the "stftsynth" generator (Farhadi et al. 2025): the
// class-conditional WGAN-GP of package gan trained on fixed-size dB
// spectrograms of a WAV dataset, sampled as spectrograms (16-bit PNG or
// npy) or as waveforms by Griffin-Lim.
type STFTSynth struct {
	// Models opens the model store (a location every process shares).
	Models func(ctx context.Context) (storage.Store, error)
}

var _ generators.Generator = STFTSynth{}

// Info implements generators.Generator.
func (STFTSynth) Info() generators.Info {
	return generators.Info{
		Name: STFTName,
		Description: "STFTSynth (Farhadi et al. 2025): a class-conditional WGAN-GP trained on fixed-size dB STFT (or mel) " +
			"spectrograms of the dataset's WAV files, sampled as 16-bit PNG or npy spectrograms, or as Griffin-Lim waveforms. " +
			"Runs on the heavy queue; the model is stored (GET /v1/models)",
		Kinds:  []string{"audio"},
		Heavy:  true,
		Params: stftParamInfos(),
	}
}

// Validate implements generators.Generator.
func (STFTSynth) Validate(raw json.RawMessage) error {
	_, err := parseSTFTParams(raw)
	return err
}

// stftInput records how WAV files became training samples and how samples
// map back to dB (model.json's input, and each sample's provenance).
type stftInput struct {
	Kind       string  `json:"kind"` // "spectrogram"
	SampleRate int     `json:"sample_rate"`
	NFFT       int     `json:"n_fft"`
	HopLength  int     `json:"hop_length"`
	Window     string  `json:"window"`
	Center     bool    `json:"center"`
	Frames     int     `json:"frames"`
	NMels      int     `json:"n_mels"`
	Bins       int     `json:"bins"`  // height: n_fft/2 (Nyquist dropped) or n_mels
	Scale      string  `json:"scale"` // db or mel_db
	TopDB      float64 `json:"top_db"`
	Ref        string  `json:"ref"`
	ValueMap   string  `json:"value_map"`
}

// Start implements generators.Generator.
func (g STFTSynth) Start(ctx context.Context, env *generators.Env) (generators.Run, error) {
	cfg, err := parseSTFTParams(env.Params)
	if err != nil {
		return nil, err
	}
	classes := sortedKeys(env.Train)
	r := &run{env: env, gen: STFTName, tc: cfg.trainConfig}
	var loaded *modelShape
	in := stftInput{Kind: "spectrogram", NFFT: cfg.p.NFFT, HopLength: cfg.p.HopLength, Window: "hann", Center: true,
		Frames: cfg.p.Frames, NMels: cfg.p.NMels, TopDB: cfg.p.TopDB, Ref: "max (each file's loudest bin is 0 dB)"}
	if cfg.p.Model != "" {
		if loaded, err = loadModel(ctx, g.Models, STFTName, cfg.p.Model, "spectrogram", classes); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(loaded.meta.Input, &in); err != nil {
			return nil, fmt.Errorf("model %s: reading its input settings: %w", cfg.p.Model, err)
		}
	}
	in.Scale, in.Bins = "db", in.NFFT/2
	if in.NMels > 0 {
		in.Scale, in.Bins = "mel_db", in.NMels
	}
	in.ValueMap = fmt.Sprintf("v = 2*d/top_db + 1 for d in [-%g, 0] dB; d = (v - 1)*top_db/2", in.TopDB)
	cands, bad, err := candidates(env, classes, "audio", cfg.p.MaxFilesPerClass, 0)
	if err != nil {
		return nil, err
	}
	if in.SampleRate == 0 {
		progress(env, "reading WAV headers", nil)
		if in.SampleRate, err = commonRate(ctx, env.Source, cands); err != nil {
			return nil, err
		}
	}
	fe, err := newFeatures(in)
	if err != nil {
		return nil, err
	}
	data, bad2, err := loadSpectrograms(ctx, env, cands, fe, cfg.p.MaxSeconds, cfg.p.MaxWindows)
	if err != nil {
		return nil, err
	}
	r.bad, r.data = append(bad, bad2...), data
	if len(r.bad) > 0 {
		logWarn(env, "stftsynth: training files excluded (listed in report.json bad_files)", "count", len(r.bad), "first", r.bad[0].Key, "reason", r.bad[0].Reason)
	}
	r.codec = &spectroCodec{fe: fe, format: cfg.p.Format, waveform: cfg.p.Waveform, iterations: cfg.p.Iterations, seed: env.Seed}
	if loaded != nil {
		mc := loaded.model.Config()
		if mc.Height != in.Bins || mc.Width != in.Frames || mc.Channels != 1 {
			return nil, fmt.Errorf("model %s: %dx%dx%d samples do not match its input settings (%d bins x %d frames)", cfg.p.Model, mc.Height, mc.Width, mc.Channels, in.Bins, in.Frames)
		}
		r.model, r.meta, r.modelID, r.source = loaded.model, loaded.meta, loaded.meta.ID, "loaded"
		r.history = historyOf(loaded.meta.Training)
		r.init()
		return r, nil
	}
	if r.alerts, err = needData(env, STFTName, cfg.p.SourceFloor, cands, r.bad, data); err != nil {
		return nil, err
	}
	r.augNote = r.tc.resolveAugment(data.counts(), false)
	gc := cfg.ganConfig(in.Bins, in.Frames, 1, len(data.classes), env.Seed)
	if err := gc.Validate(); err != nil {
		return nil, paramErr(STFTName, "%v", err)
	}
	if err := r.trainAndSave(ctx, g.Models, "spectrogram", gc, in); err != nil {
		return nil, err
	}
	return r, nil
}

// commonRate is the most common sample rate among the files' WAV headers
// (ties: the higher rate). Unreadable headers are skipped here and reported
// by the decoding pass.
func commonRate(ctx context.Context, st storage.Store, cands []candidate) (int, error) {
	count := map[int]int{}
	for _, c := range evenSubset(cands, headerProbes) {
		rc, _, err := st.Get(ctx, c.key)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		info, err := media.ProbeWAV(bufio.NewReader(rc))
		rc.Close()
		if err == nil && info.SampleRate > 0 {
			count[info.SampleRate]++
		}
	}
	best := 0
	for r, n := range count {
		if n > count[best] || (n == count[best] && r > best) {
			best = r
		}
	}
	if best == 0 {
		return 0, &datasets.DatasetError{Msg: "no training file has a readable WAV header (accepted: RIFF/WAVE PCM 8/16/24/32-bit or float 32/64-bit)"}
	}
	return best, nil
}

// features turns signals into normalised spectrogram windows and back.
type features struct {
	in   stftInput
	stft *spectro.STFT
	mel  *spectro.MelBank // nil for linear frequency
}

func newFeatures(in stftInput) (*features, error) {
	st, err := spectro.NewSTFT(stftSettings(in.NFFT, in.HopLength))
	if err != nil {
		return nil, err
	}
	fe := &features{in: in, stft: st}
	if in.NMels > 0 {
		if fe.mel, err = spectro.NewMelBank(spectro.MelConfig{SampleRate: float64(in.SampleRate), NFFT: in.NFFT, NMels: in.NMels}); err != nil {
			return nil, err
		}
	}
	return fe, nil
}

// windows returns the normalised dB spectrogram of x cut into at most max
// windows of Frames frames (row b = bin b, the lowest frequency first),
// at least one, the last padded with -1 (silence) when x is short.
func (fe *features) windows(x []float64, maxWindows int) ([][]float32, error) {
	X, err := fe.stft.Forward(nil, x)
	if err != nil {
		return nil, err
	}
	var db []float64
	if fe.mel != nil {
		mel, err := fe.mel.Apply(nil, spectro.Power(nil, X))
		if err != nil {
			return nil, err
		}
		if db, err = spectro.PowerToDB(nil, mel.Data, spectro.DBConfig{RefMax: true, Amin: 1e-10, TopDB: fe.in.TopDB}); err != nil {
			return nil, err
		}
	} else {
		mag := spectro.Magnitude(nil, X)
		if db, err = spectro.AmplitudeToDB(nil, mag.Data, spectro.DBConfig{RefMax: true, Amin: 1e-5, TopDB: fe.in.TopDB}); err != nil {
			return nil, err
		}
	}
	T, H, F := X.Frames, fe.in.Bins, fe.in.Frames
	n := max(1, min(maxWindows, T/F))
	out := make([][]float32, n)
	for w := range out {
		win := make([]float32, H*F)
		for b := 0; b < H; b++ {
			for t := 0; t < F; t++ {
				v := float32(-1)
				if src := w*F + t; src < T {
					d := max(db[b*T+src], -fe.in.TopDB)
					v = float32(2*d/fe.in.TopDB + 1)
				}
				win[b*F+t] = v
			}
		}
		out[w] = win
	}
	return out, nil
}

// dB maps a normalised sample back to dB values: d = (v − 1)·top_db/2.
func (fe *features) dB(x []float32) *spectro.Spectrogram[float64] {
	s := spectro.NewSpectrogram[float64](fe.in.Bins, fe.in.Frames)
	for i, v := range x {
		s.Data[i] = (float64(min(1, max(-1, v))) - 1) * fe.in.TopDB / 2
	}
	return s
}

// loadSpectrograms decodes every candidate (at most maxSeconds of it,
// channels averaged) in parallel and cuts its spectrogram into windows.
// Files that are not usable WAV, or have another sample rate than
// fe.in.SampleRate, are returned as bad; storage errors fail.
func loadSpectrograms(ctx context.Context, env *generators.Env, cands []candidate, fe *features, maxSeconds float64, maxWindows int) (*trainSet, []badFile, error) {
	wins := make([][][]float32, len(cands))
	bad := make([]string, len(cands))
	var (
		mu   sync.Mutex
		done int
	)
	err := generators.ForEach(ctx, len(cands), func(ctx context.Context, i int) error {
		x, reason, err := readMono(ctx, env.Source, cands[i].key, fe.in.SampleRate, maxSeconds)
		if err != nil {
			return fmt.Errorf("reading training file %s: %w", cands[i].key, err)
		}
		if reason == "" {
			if wins[i], err = fe.windows(x, maxWindows); err != nil {
				reason = err.Error()
			}
		}
		bad[i] = reason
		mu.Lock()
		done++
		if done%128 == 0 || done == len(cands) {
			progress(env, "analysing training files", map[string]any{"read": done, "total": len(cands)})
		}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	var bads []badFile
	for i, c := range cands {
		if bad[i] != "" {
			bads = append(bads, badFile{c.key, c.class, bad[i]})
		} else {
			seen[c.class] = true
		}
	}
	d := &trainSet{classes: sortedKeys(seen), h: fe.in.Bins, w: fe.in.Frames, c: 1}
	id := map[string]int{}
	for i, c := range d.classes {
		id[c] = i
	}
	d.byClass = make([][]int, len(d.classes))
	for i, c := range cands {
		for w, win := range wins[i] {
			l := id[c.class]
			d.byClass[l] = append(d.byClass[l], len(d.labels))
			d.labels = append(d.labels, l)
			d.keys = append(d.keys, fmt.Sprintf("%s#frame%d", c.key, w*fe.in.Frames))
			d.x = append(d.x, win...)
		}
	}
	return d, bads, nil
}

// readMono reads at most maxSeconds of a WAV file, channels averaged. A
// problem of the file itself (not WAV, corrupt, another sample rate, no
// samples, NaN or infinite samples) is returned as a reason; other errors
// (storage) as err.
func readMono(ctx context.Context, st storage.Store, key string, rate int, maxSeconds float64) ([]float64, string, error) {
	rc, _, err := st.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, "not found: removed after the dataset was scanned", nil
	}
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	wr, err := media.NewWAVReader(bufio.NewReaderSize(rc, 64<<10))
	if err != nil {
		if reason, ok := datasets.WAVProblem(err); ok {
			return nil, reason, nil
		}
		return nil, "", err
	}
	info := wr.Info()
	if info.SampleRate != rate {
		return nil, fmt.Sprintf("sample rate %d Hz; this job analyses %d Hz, the dataset's most common rate (resample the file)", info.SampleRate, rate), nil
	}
	limit := max(1, int(maxSeconds*float64(rate)))
	buf := make([]float64, 4096*info.Channels)
	var mono []float64
	inv := 1 / float64(info.Channels)
	nonFinite := 0
	for len(mono) < limit {
		if err := ctx.Err(); err != nil {
			return nil, "", err
		}
		want := min(4096, limit-len(mono))
		n, err := wr.ReadFrames(buf[:want*info.Channels])
		for f := 0; f < n; f++ {
			var s float64
			for _, v := range buf[f*info.Channels : (f+1)*info.Channels] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					nonFinite++
				}
				s += v
			}
			mono = append(mono, s*inv)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if reason, ok := datasets.WAVProblem(err); ok {
				return nil, reason, nil
			}
			return nil, "", err
		}
	}
	if len(mono) == 0 {
		return nil, "not a usable WAV file: no audio samples", nil
	}
	if nonFinite > 0 {
		return nil, datasets.NonFiniteReason(nonFinite, len(mono)*info.Channels), nil
	}
	return mono, "", nil
}

// spectroCodec writes generated spectrograms as 16-bit PNG, npy or, with
// waveform, Griffin-Lim WAV.
type spectroCodec struct {
	fe         *features
	format     string
	waveform   bool
	iterations int
	seed       int64
}

func (c *spectroCodec) scale() map[string]any {
	in := c.fe.in
	return map[string]any{"kind": in.Scale, "min": -in.TopDB, "max": 0.0, "ref": in.Ref, "value_map": in.ValueMap}
}

func (c *spectroCodec) encode(ctx context.Context, x []float32, class string, i int) (*generators.Sample, error) {
	in := c.fe.in
	db := c.fe.dB(x)
	prov := map[string]any{"shape": []int{in.Bins, in.Frames}, "stft": in, "scale": c.scale()}
	var buf bytes.Buffer
	switch {
	case c.waveform:
		sig, conv, err := c.invert(ctx, db, deriveSeed(c.seed, fmt.Sprintf("griffin-lim\x00%s\x00%d", class, i)))
		if err != nil {
			return nil, err
		}
		a := &media.Audio{SampleRate: in.SampleRate, Channels: [][]float64{sig}}
		if err := media.WriteWAV(&buf, a, media.WAVFormat{Encoding: media.EncodingFloat, BitDepth: 32}); err != nil {
			return nil, err
		}
		prov["griffin_lim"] = map[string]any{"iterations": c.iterations, "momentum": 0.99, "spectral_convergence": conv,
			"peak": 0.5, "note": "levels are relative (ref max): the signal is peak-normalised to 0.5"}
		return &generators.Sample{Data: buf.Bytes(), Ext: ".wav", ContentType: "audio/wav", Provenance: prov}, nil
	case c.format == "npy":
		s32 := spectro.NewSpectrogram[float32](db.Bins, db.Frames)
		for j, v := range db.Data {
			s32.Data[j] = float32(v)
		}
		if err := spectro.WriteNPY(&buf, s32); err != nil {
			return nil, err
		}
		prov["scale"] = map[string]any{"kind": in.Scale, "dtype": "float32", "ref": in.Ref, "layout": "(bins, frames), row 0 the lowest frequency"}
		return &generators.Sample{Data: buf.Bytes(), Ext: ".npy", ContentType: "application/x-npy", Provenance: prov}, nil
	}
	if _, err := spectro.WritePNG16(&buf, db, spectro.PNGOptions{Kind: in.Scale, FixedRange: true, Min: -in.TopDB, Max: 0}); err != nil {
		return nil, err
	}
	return &generators.Sample{Data: buf.Bytes(), Ext: ".png", ContentType: "image/png", Provenance: prov}, nil
}

// invert reconstructs a signal from a dB spectrogram: amplitude
// 10^(d/20) (mel: power 10^(d/10), NNLS mel inversion, square root), the
// dropped Nyquist bin at the floor, fast Griffin-Lim, peak 0.5.
func (c *spectroCodec) invert(ctx context.Context, db *spectro.Spectrogram[float64], seed int64) ([]float64, float64, error) {
	in := c.fe.in
	bins := in.NFFT/2 + 1
	mag := spectro.NewSpectrogram[float64](bins, in.Frames)
	if c.fe.mel != nil {
		pow := db.Clone()
		if _, err := spectro.DBToPower(pow.Data, db.Data, 1); err != nil {
			return nil, 0, err
		}
		lin, err := c.fe.mel.Invert(ctx, nil, pow, spectro.MelInverseConfig{})
		if err != nil {
			return nil, 0, err
		}
		for j, v := range lin.Data {
			mag.Data[j] = math.Sqrt(v)
		}
	} else {
		floor := math.Pow(10, -in.TopDB/20)
		for j := range mag.Data {
			mag.Data[j] = floor
		}
		if _, err := spectro.DBToAmplitude(mag.Data[:len(db.Data)], db.Data, 1); err != nil {
			return nil, 0, err
		}
	}
	gl := spectro.DefaultGriffinLim()
	gl.Iterations, gl.Seed = c.iterations, uint64(seed)
	res, err := c.fe.stft.GriffinLim(ctx, mag, gl)
	if err != nil {
		return nil, 0, err
	}
	peak := 0.0
	for _, v := range res.Signal {
		peak = max(peak, math.Abs(v))
	}
	if peak > 0 {
		for j := range res.Signal {
			res.Signal[j] *= 0.5 / peak
		}
	}
	conv := math.NaN()
	if n := len(res.Convergence); n > 0 {
		conv = res.Convergence[n-1]
	}
	return res.Signal, conv, nil
}

// picture draws a spectrogram sample in gray, low frequencies at the bottom.
func (c *spectroCodec) picture(x []float32) (image.Image, error) {
	h, w := c.fe.in.Bins, c.fe.in.Frames
	img := image.NewGray(image.Rect(0, 0, w, h))
	for b := 0; b < h; b++ {
		for t := 0; t < w; t++ {
			v := (float64(x[b*w+t]) + 1) / 2 * 255
			img.Pix[(h-1-b)*img.Stride+t] = uint8(math.Round(max(0, min(255, v))))
		}
	}
	return img, nil
}

func (c *spectroCodec) report() map[string]any {
	out := map[string]any{"spectrogram": c.fe.in, "format": c.format, "scale": c.scale()}
	if c.waveform {
		out["format"] = "wav (Griffin-Lim)"
	}
	return out
}
