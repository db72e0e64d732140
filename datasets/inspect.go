package datasets

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register decoders for DecodeConfig
	_ "image/png"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/tailsynth/tailsynth/media"
	"github.com/tailsynth/tailsynth/storage"
)

// Inspection describes a dataset for a user deciding what to generate.
type Inspection struct {
	Layout         string                  `json:"layout"`
	Fingerprint    string                  `json:"fingerprint"`
	Files          int                     `json:"files"`
	Classes        map[string]ClassSummary `json:"classes"`
	Splits         map[string]int          `json:"splits,omitempty"`
	ImbalanceRatio float64                 `json:"imbalance_ratio"` // largest / smallest class, training files
	Majority       string                  `json:"majority"`
	Minority       string                  `json:"minority"`
	Kinds          map[string]int          `json:"kinds"`
	Checked        int                     `json:"headers_checked"` // files whose headers were read
	Unreadable     []Problem               `json:"unreadable,omitempty"`
	Skipped        []Problem               `json:"skipped,omitempty"`
}

// ClassSummary describes one class.
type ClassSummary struct {
	Count   int            `json:"count"` // training files
	BySplit map[string]int `json:"by_split,omitempty"`
	Formats map[string]int `json:"formats,omitempty"` // png, jpeg, wav...
	// Readable is the number of training files a generator can read
	// (CheckFile with the generators' default limits); it is given when
	// every training file of the class was checked.
	Readable *int `json:"readable,omitempty"`
	// Images: the sizes seen (WxH -> count) among the checked headers.
	Sizes map[string]int `json:"sizes,omitempty"`
	// Audio: sample rates and channel counts seen, and length range.
	SampleRates map[string]int `json:"sample_rates,omitempty"`
	Channels    map[string]int `json:"channels,omitempty"`
	MinSeconds  float64        `json:"min_seconds,omitempty"`
	MaxSeconds  float64        `json:"max_seconds,omitempty"`
}

// MaxHeaderBytes is how much of a file is read to decode its header.
const MaxHeaderBytes = 64 << 10

// Inspect summarises ds, checking up to perClass files of each class (0:
// all) to report formats, sizes, sample rates and files that cannot be
// read: each is read as the generators read it (CheckFile with
// DefaultFileLimits), so a header over the pixel limit, truncated pixel data
// or a truncated WAV is unreadable too. A class whose training files were
// all checked gets its readable count. Memory stays bounded by the summary
// and one decoded file per call, not the dataset.
func Inspect(ctx context.Context, st storage.Store, ds *Dataset, perClass int) (*Inspection, error) {
	in := &Inspection{Layout: ds.Layout, Fingerprint: ds.Fingerprint, Files: len(ds.Files),
		Classes: map[string]ClassSummary{}, Kinds: map[string]int{}, Skipped: ds.Skipped}
	checked := map[string]int{}
	trainChecked, trainBad := map[string]int{}, map[string]int{}
	for _, f := range ds.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cs := in.Classes[f.Class]
		if TrainSplit(f.Split) {
			cs.Count++
		}
		if f.Split != "" {
			if in.Splits == nil {
				in.Splits = map[string]int{}
			}
			in.Splits[f.Split]++
			if cs.BySplit == nil {
				cs.BySplit = map[string]int{}
			}
			cs.BySplit[f.Split]++
		}
		kind := KindOf(f.Key)
		in.Kinds[kind]++
		if perClass == 0 || checked[f.Class] < perClass {
			checked[f.Class]++
			in.Checked++
			err := probe(ctx, st, f, kind, &cs)
			if err == nil {
				var reason string
				if reason, err = CheckFile(ctx, st, f, DefaultFileLimits); err == nil && reason != "" {
					err = errors.New(reason)
				}
			}
			if err != nil {
				in.Unreadable = append(in.Unreadable, Problem{f.Key, err.Error()})
			}
			if TrainSplit(f.Split) {
				trainChecked[f.Class]++
				if err != nil {
					trainBad[f.Class]++
				}
			}
		}
		in.Classes[f.Class] = cs
	}
	for c, cs := range in.Classes {
		if trainChecked[c] == cs.Count {
			n := cs.Count - trainBad[c]
			cs.Readable = &n
			in.Classes[c] = cs
		}
	}
	names := make([]string, 0, len(in.Classes))
	for c := range in.Classes {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		n := in.Classes[c].Count
		if in.Majority == "" || n > in.Classes[in.Majority].Count {
			in.Majority = c
		}
		if in.Minority == "" || n < in.Classes[in.Minority].Count {
			in.Minority = c
		}
	}
	if m := in.Classes[in.Minority].Count; m > 0 {
		in.ImbalanceRatio = math.Round(float64(in.Classes[in.Majority].Count)/float64(m)*100) / 100
	}
	return in, nil
}

func bump(m *map[string]int, k string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[k]++
}

func probe(ctx context.Context, st storage.Store, f File, kind string, cs *ClassSummary) error {
	if f.Size == 0 {
		return fmt.Errorf("empty file")
	}
	rc, _, err := st.Get(ctx, f.Key)
	if err != nil {
		return err
	}
	defer rc.Close()
	r := io.LimitReader(rc, MaxHeaderBytes)
	switch kind {
	case "image":
		cfg, format, err := image.DecodeConfig(r)
		if err != nil {
			return fmt.Errorf("not a readable image: %v", err)
		}
		bump(&cs.Formats, format)
		bump(&cs.Sizes, fmt.Sprintf("%dx%d", cfg.Width, cfg.Height))
	case "audio":
		info, err := media.ProbeWAV(r)
		if err != nil {
			return fmt.Errorf("not a readable WAV file: %v", err)
		}
		bump(&cs.Formats, "wav")
		bump(&cs.SampleRates, fmt.Sprint(info.SampleRate))
		bump(&cs.Channels, fmt.Sprint(info.Channels))
		secs := info.Duration().Seconds()
		if cs.MinSeconds == 0 || secs < cs.MinSeconds {
			cs.MinSeconds = secs
		}
		cs.MaxSeconds = max(cs.MaxSeconds, secs)
	case "array":
		if _, err := media.ReadNPYHeader(r); err != nil {
			return fmt.Errorf("not a readable .npy file: %v", err)
		}
		bump(&cs.Formats, "npy")
	default:
		return fmt.Errorf("unsupported file type %q", strings.ToLower(f.Key))
	}
	return nil
}
