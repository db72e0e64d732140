package evaluate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"path"

	"github.com/disintegration/imaging"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/spectro"
	"github.com/tailsynth/tailsynth/storage"
)

// Feature kinds: what a Featurizer reads.
const (
	KindImage = "image"
	KindAudio = "audio"
)

// Colour modes of image features.
const (
	ColorAuto = "auto"
	ColorGray = "gray"
	ColorRGB  = "rgb"
)

// FeatureOptions say how files become feature rows. Zero values mean the
// defaults in brackets.
type FeatureOptions struct {
	// Size is the side of the square evaluation image [28]: every image is
	// resized (stretched, aspect ratio not kept) to Size×Size with a
	// linear filter that widens its support when shrinking (imaging.Linear).
	Size int `json:"size"`
	// Color is ColorGray, ColorRGB or ColorAuto [auto]: gray when every one
	// of up to 16 training images spread over the dataset is grey (a grey
	// colour model, or R = G = B at every pixel), else RGB. Decided once per
	// dataset, so real and synthetic rows share it.
	Color string `json:"color"`
	// MaxPixels and MaxBytes bound one image file (see media.Decode)
	// [16 Mpx, 64 MiB]; larger files are skipped and counted.
	MaxPixels int64 `json:"max_pixels"`
	MaxBytes  int64 `json:"max_bytes"`
	// Audio (WAV) features: NMels log-mel bands from an STFT of NFFT samples
	// and hop NFFT/2 [40 bands, 1024], over the first MaxSeconds of the
	// mono mix-down [30 s].
	NMels      int     `json:"n_mels"`
	NFFT       int     `json:"n_fft"`
	MaxSeconds float64 `json:"max_seconds"`
}

func (o FeatureOptions) withDefaults() FeatureOptions {
	if o.Size == 0 {
		o.Size = 28
	}
	if o.Color == "" {
		o.Color = ColorAuto
	}
	if o.MaxPixels == 0 {
		o.MaxPixels = 16 << 20
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = 64 << 20
	}
	if o.NMels == 0 {
		o.NMels = 40
	}
	if o.NFFT == 0 {
		o.NFFT = 1024
	}
	if o.MaxSeconds == 0 {
		o.MaxSeconds = 30
	}
	return o
}

func (o FeatureOptions) validate() error {
	switch {
	case o.Size < 4 || o.Size > 256:
		return fmt.Errorf("features: image size %d, want 4 to 256", o.Size)
	case o.Color != ColorAuto && o.Color != ColorGray && o.Color != ColorRGB:
		return fmt.Errorf("features: color %q, accepted: %s, %s, %s", o.Color, ColorAuto, ColorGray, ColorRGB)
	case o.NMels < 1 || o.NMels > 256:
		return fmt.Errorf("features: n_mels %d, want 1 to 256", o.NMels)
	case o.NFFT < 64 || o.NFFT > 1<<15 || o.NFFT&(o.NFFT-1) != 0:
		return fmt.Errorf("features: n_fft %d, want a power of two from 64 to 32768", o.NFFT)
	case o.MaxSeconds <= 0:
		return fmt.Errorf("features: max_seconds %v, want > 0", o.MaxSeconds)
	}
	return nil
}

// Featurizer turns the files of one dataset into fixed-length float32 rows:
//
//   - images: decoded safely (media.Decode: format sniffed, pixel and
//     byte limits checked before pixels are allocated), resized to
//     Size×Size, grey (ITU-R BT.601 luma, as Go's color.GrayModel) or RGB,
//     flattened row by row (RGB interleaved) with values in [0, 1];
//     transparent pixels are composited over black;
//   - audio (WAV): the mono mix-down's power STFT (Hann window, hop NFFT/2),
//     a Slaney mel bank of NMels bands, 10·log10(power + 1e-10), then the
//     mean and the standard deviation of each band over time: 2·NMels
//     values. This summary ignores temporal order, so it measures timbre
//     and level, not rhythm; files at another sample rate than the first
//     training file are skipped (no resampling).
//
// A Featurizer is safe for concurrent use.
type Featurizer struct {
	Kind  string `json:"kind"`
	Dim   int    `json:"dim"`
	Color string `json:"color,omitempty"`
	Size  int    `json:"size,omitempty"`
	// SampleRate is the audio sample rate every file must have.
	SampleRate int    `json:"sample_rate,omitempty"`
	NMels      int    `json:"n_mels,omitempty"`
	Describe   string `json:"description"`

	opts FeatureOptions
	stft *spectro.STFT
	mel  *spectro.MelBank
}

// NewFeaturizer picks the feature kind from the training files (all of one
// kind: image or audio) and decides the colour mode or the sample rate by
// reading a few of them.
func NewFeaturizer(ctx context.Context, st storage.Store, train []datasets.File, o FeatureOptions) (*Featurizer, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	kinds := map[string]int{}
	for _, f := range train {
		kinds[datasets.KindOf(f.Key)]++
	}
	if len(kinds) != 1 {
		return nil, fmt.Errorf("features: the training files mix kinds %v; quality is measured on datasets of one kind (image or audio)", kinds)
	}
	fz := &Featurizer{opts: o}
	switch {
	case kinds[KindImage] > 0:
		fz.Kind, fz.Size, fz.Color = KindImage, o.Size, o.Color
		if fz.Color == ColorAuto {
			gray, err := grayDataset(ctx, st, train, o)
			if err != nil {
				return nil, err
			}
			fz.Color = ColorRGB
			if gray {
				fz.Color = ColorGray
			}
		}
		fz.Dim = o.Size * o.Size
		if fz.Color == ColorRGB {
			fz.Dim *= 3
		}
		fz.Describe = fmt.Sprintf("images resized to %dx%d, %s, values in [0, 1]", o.Size, o.Size, fz.Color)
	case kinds[KindAudio] > 0:
		if err := fz.initAudio(ctx, st, train); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("features: quality is measured on image (PNG, JPEG) and audio (WAV) datasets; this one holds %v", kinds)
	}
	return fz, nil
}

// spread returns up to n files evenly spaced over files (so that every
// class of a sorted listing is likely represented).
func spread(files []datasets.File, n int) []datasets.File {
	if len(files) <= n {
		return files
	}
	out := make([]datasets.File, n)
	for i := range n {
		out[i] = files[i*len(files)/n]
	}
	return out
}

func grayDataset(ctx context.Context, st storage.Store, train []datasets.File, o FeatureOptions) (bool, error) {
	read := 0
	for _, f := range spread(train, 16) {
		img, err := readImage(ctx, st, f.Key, o)
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			continue
		}
		read++
		if !isGray(img) {
			return false, nil
		}
	}
	if read == 0 {
		return false, fmt.Errorf("features: none of the %d training images sampled to decide the colour mode could be read", min(16, len(train)))
	}
	return true, nil
}

func isGray(img image.Image) bool {
	switch img.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		return true
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != g || g != bl {
				return false
			}
		}
	}
	return true
}

func readAll(ctx context.Context, st storage.Store, key string, maxBytes int64) ([]byte, error) {
	rc, info, err := st.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if info.Size > maxBytes {
		return nil, fmt.Errorf("%d bytes, more than the %d accepted", info.Size, maxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("more than the %d bytes accepted", maxBytes)
	}
	return b, nil
}

func readImage(ctx context.Context, st storage.Store, key string, o FeatureOptions) (image.Image, error) {
	b, err := readAll(ctx, st, key, o.MaxBytes)
	if err != nil {
		return nil, err
	}
	return media.DecodeBytes(b, media.DecodeOptions{MaxPixels: o.MaxPixels, MaxBytes: o.MaxBytes})
}

// imageRow writes the feature row of img into dst (len Dim).
func (f *Featurizer) imageRow(img image.Image, dst []float32) {
	b := img.Bounds()
	if b.Dx() != f.Size || b.Dy() != f.Size {
		img = imaging.Resize(img, f.Size, f.Size, imaging.Linear)
		b = img.Bounds()
	}
	if g, ok := img.(*image.Gray); ok && f.Color == ColorGray {
		for y := range f.Size {
			o := g.PixOffset(b.Min.X, b.Min.Y+y)
			row := g.Pix[o : o+f.Size]
			for x, v := range row {
				dst[y*f.Size+x] = float32(v) / 255
			}
		}
		return
	}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA() // premultiplied: over black
			if f.Color == ColorGray {
				// color.GrayModel's BT.601 weights, in 16 bits.
				dst[i] = float32((19595*r+38470*g+7471*bl+1<<15)>>16) / 65535
				i++
				continue
			}
			dst[i], dst[i+1], dst[i+2] = float32(r)/65535, float32(g)/65535, float32(bl)/65535
			i += 3
		}
	}
}

func (f *Featurizer) initAudio(ctx context.Context, st storage.Store, train []datasets.File) error {
	o := f.opts
	var info media.WAVInfo
	var err error
	for _, file := range spread(train, 16) {
		var rc io.ReadCloser
		if rc, _, err = st.Get(ctx, file.Key); err != nil {
			continue
		}
		info, err = media.ProbeWAV(io.LimitReader(rc, datasets.MaxHeaderBytes))
		rc.Close()
		if err == nil {
			break
		}
	}
	if err != nil || info.SampleRate == 0 {
		return fmt.Errorf("features: no readable WAV header among the training files sampled: %v", err)
	}
	cfg := spectro.DefaultConfig(o.NFFT)
	cfg.Hop = o.NFFT / 2
	if f.stft, err = spectro.NewSTFT(cfg); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	if f.mel, err = spectro.NewMelBank(spectro.MelConfig{SampleRate: float64(info.SampleRate), NFFT: o.NFFT, NMels: o.NMels}); err != nil {
		return fmt.Errorf("features: mel bank for %d Hz: %w", info.SampleRate, err)
	}
	f.Kind, f.SampleRate, f.NMels, f.Dim = KindAudio, info.SampleRate, o.NMels, 2*o.NMels
	f.Describe = fmt.Sprintf("WAV at %d Hz: mean and standard deviation over time of %d log-mel bands (power STFT, n_fft %d, hop %d, first %gs of the mono mix)",
		info.SampleRate, o.NMels, o.NFFT, o.NFFT/2, o.MaxSeconds)
	return nil
}

func (f *Featurizer) audioRow(data []byte, dst []float32) error {
	a, err := media.ReadWAV(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if a.SampleRate != f.SampleRate {
		return fmt.Errorf("sample rate %d Hz, want %d Hz like the training files (no resampling)", a.SampleRate, f.SampleRate)
	}
	x := a.Mono()
	if limit := int(f.opts.MaxSeconds * float64(a.SampleRate)); len(x) > limit {
		x = x[:limit]
	}
	spec, err := f.stft.Forward(nil, x)
	if err != nil {
		return err
	}
	mel, err := f.mel.Apply(nil, spectro.Power(nil, spec))
	if err != nil {
		return err
	}
	n := f.NMels
	for b := range n {
		row := mel.Data[b*mel.Frames : (b+1)*mel.Frames]
		var sum, sq float64
		for i, p := range row {
			row[i] = 10 * math.Log10(p+1e-10)
			sum += row[i]
		}
		mean := sum / float64(len(row))
		for _, v := range row {
			sq += (v - mean) * (v - mean)
		}
		// dB values span about -100 to +40: scale by 1/100 to keep the
		// rows near unit range for the MLP.
		dst[b] = float32(mean / 100)
		dst[n+b] = float32(math.Sqrt(sq/float64(len(row))) / 100)
	}
	return nil
}

// Rows are feature rows read from files.
type Rows struct {
	X blas32.General
	// Keys[i] is the file of row i; Skipped the files that could not be
	// read, with the reason.
	Keys    []string
	Skipped []datasets.Problem
}

// Load reads the files at keys (in st) into rows, in order, skipping (and
// listing) the files that cannot be read. Files are read GOMAXPROCS at a
// time.
func (f *Featurizer) Load(ctx context.Context, st storage.Store, keys []string) (Rows, error) {
	data := make([]float32, len(keys)*f.Dim)
	errs := make([]error, len(keys))
	err := generators.ForEach(ctx, len(keys), func(ctx context.Context, i int) error {
		errs[i] = f.loadOne(ctx, st, keys[i], data[i*f.Dim:(i+1)*f.Dim])
		return nil
	})
	if err == nil {
		err = ctx.Err() // a file's own error is listed, not returned; a cancelled ctx is
	}
	if err != nil {
		return Rows{}, err
	}
	out := Rows{X: blas32.General{Cols: f.Dim, Stride: f.Dim}}
	kept := data[:0]
	for i, k := range keys {
		if errs[i] != nil {
			out.Skipped = append(out.Skipped, datasets.Problem{Key: k, Reason: errs[i].Error()})
			continue
		}
		kept = append(kept, data[i*f.Dim:(i+1)*f.Dim]...)
		out.Keys = append(out.Keys, k)
	}
	out.X.Rows, out.X.Data = len(out.Keys), kept
	return out, nil
}

func (f *Featurizer) loadOne(ctx context.Context, st storage.Store, key string, dst []float32) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if k := datasets.KindOf(key); k != f.Kind {
		return fmt.Errorf("a %s file (%s), want %s files like the training set", kindName(k), path.Ext(key), f.Kind)
	}
	if f.Kind == KindImage {
		img, err := readImage(ctx, st, key, f.opts)
		if err != nil {
			return err
		}
		f.imageRow(img, dst)
		return nil
	}
	b, err := readAll(ctx, st, key, f.opts.MaxBytes)
	if err != nil {
		return err
	}
	return f.audioRow(b, dst)
}

func kindName(k string) string {
	if k == "" {
		return "unsupported"
	}
	return k
}
