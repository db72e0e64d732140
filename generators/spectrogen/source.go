package spectrogen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/spectro"
	"github.com/tailsynth/tailsynth/storage"
)

// source is one analysed training file: what the cache holds. It is
// read-only once loaded.
type source struct {
	Key        string
	SampleRate int
	Channels   int
	// Samples is the number of samples analysed (after max_seconds).
	Samples   int
	Truncated bool
	// Linear is |X|² or the mel power, Bins×Frames.
	Linear *spectro.Spectrogram[float32]
}

func (s *source) bytes() int64 { return int64(len(s.Linear.Data))*4 + 256 }

// chunkFrames is how many sample frames a read decodes at once.
const chunkFrames = 4096

// loader reads and analyses training files.
type loader struct {
	store storage.Store
	an    *analyzer
}

// load decodes key (a WAV file) and analyses at most max_seconds of it,
// mixing channels down as it reads, so memory grows with the mono signal
// kept, never with the channel count or the file's length beyond the cut.
// The mono signal is kept as float32, exact for PCM up to 24 bits and
// float32 files.
func (l *loader) load(ctx context.Context, key string) (*source, error) {
	rc, _, err := l.store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	wr, err := spectro.NewWAVReader(bufio.NewReaderSize(rc, 64<<10))
	if err != nil {
		return nil, badWAV(key, err)
	}
	info := wr.Info()
	if info.SampleRate < 1 || info.Channels < 1 {
		return nil, badWAV(key, fmt.Errorf("sample rate %d Hz, %d channels: want both positive", info.SampleRate, info.Channels))
	}
	limit := int(l.an.p.MaxSeconds * float64(info.SampleRate))
	if limit < 1 {
		limit = 1
	}
	capHint := limit
	if info.Frames >= 0 && info.Frames < int64(limit) {
		capHint = int(info.Frames)
	}
	mono := make([]float32, 0, capHint)
	buf := make([]float64, chunkFrames*info.Channels)
	first := l.an.p.Channels == "first"
	inv := 1 / float64(info.Channels)
	truncated := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		want := min(chunkFrames, limit-len(mono))
		if want == 0 {
			// Anything left means the file was cut.
			n, err := wr.ReadFrames(buf[:info.Channels])
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, badWAV(key, err)
			}
			truncated = n > 0
			break
		}
		n, err := wr.ReadFrames(buf[:want*info.Channels])
		for f := 0; f < n; f++ {
			frame := buf[f*info.Channels : (f+1)*info.Channels]
			if first {
				mono = append(mono, float32(frame[0]))
				continue
			}
			var s float64
			for _, v := range frame {
				s += v
			}
			mono = append(mono, float32(s*inv))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badWAV(key, err)
		}
	}
	if len(mono) == 0 {
		return nil, badWAV(key, errors.New("no audio samples"))
	}
	lin, err := l.an.linear(mono, info.SampleRate, key)
	if err != nil {
		return nil, err
	}
	return &source{Key: key, SampleRate: info.SampleRate, Channels: info.Channels, Samples: len(mono), Truncated: truncated, Linear: lin}, nil
}

func badWAV(key string, err error) error {
	return &generators.DatasetError{Msg: fmt.Sprintf("%s is not a usable WAV file: %v (accepted: RIFF/WAVE PCM 8/16/24/32-bit or float 32/64-bit)", key, err)}
}

// checkAudio makes sure every class the plan asks samples of has training
// files and that they are all WAV files.
func checkAudio(gen string, env *generators.Env) error {
	classes := make([]string, 0, len(env.Plan))
	for c, n := range env.Plan {
		if n > 0 {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes)
	for _, c := range classes {
		files := env.Train[c]
		if len(files) == 0 {
			return &generators.DatasetError{Msg: fmt.Sprintf("%s: class %q has no training files", gen, c)}
		}
		kinds := map[string][]string{}
		for _, f := range files {
			if k := generators.KindOf(f.Key); k != "audio" {
				if k == "" {
					k = "unknown"
				}
				kinds[k] = append(kinds[k], f.Key)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		var parts []string
		for _, k := range []string{"image", "array", "unknown"} {
			if keys := kinds[k]; len(keys) > 0 {
				parts = append(parts, fmt.Sprintf("%d %s files (e.g. %s)", len(keys), k, keys[0]))
			}
		}
		return &generators.DatasetError{Msg: fmt.Sprintf("%s needs WAV files; class %q has %s", gen, c, strings.Join(parts, " and "))}
	}
	return nil
}
