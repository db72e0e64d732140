package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/tailsynth/tailsynth/errkind"
	"github.com/tailsynth/tailsynth/storage"
)

// File is one sample of a dataset.
type File struct {
	Key   string `json:"key"`
	Class string `json:"class"`
	Split string `json:"split,omitempty"`
	Size  int64  `json:"size"`
}

// Problem is a file that was left out of a dataset, and why.
type Problem struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Dataset is a scanned dataset: its files with their labels.
type Dataset struct {
	// Layout is "folders" (<class>/<file>), "split-folders"
	// (<split>/<class>/<file>) or "manifest".
	Layout string `json:"layout"`
	// Files are sorted by key.
	Files []File `json:"-"`
	// Skipped lists files left out (unknown kinds, no class folder).
	Skipped []Problem `json:"skipped,omitempty"`
	// Fingerprint changes when any file's key, size or version changes.
	Fingerprint string `json:"fingerprint"`
}

// Splits that mark a split-folders layout; the first segment of every key
// must be one of them.
var splitNames = []string{"train", "training", "test", "testing", "val", "valid", "validation"}

// TrainSplit reports whether a split is used for generation.
func TrainSplit(s string) bool { return s == "" || s == "train" || s == "training" }

// Known sample kinds by extension.
var kinds = map[string]string{
	".png": "image", ".jpg": "image", ".jpeg": "image",
	".wav": "audio", ".npy": "array",
}

// KindOf returns "image", "audio", "array" or "" for a key.
func KindOf(key string) string { return kinds[strings.ToLower(path.Ext(key))] }

// ScanOptions say how to read a dataset.
type ScanOptions struct {
	// Manifest is the key of a CSV or JSONL manifest (columns file or
	// file_name, label, optional split) relative to the dataset. Empty
	// means: a manifest.csv or manifest.jsonl at the top, or else folders.
	Manifest string
	// MaxFiles bounds the number of files (0: 10,000,000).
	MaxFiles int
}

// Scan lists a dataset. It streams the listing: memory grows with the
// number of files (their keys), never with their contents.
func Scan(ctx context.Context, st storage.Store, opts ScanOptions) (*Dataset, error) {
	if opts.MaxFiles == 0 {
		opts.MaxFiles = 10_000_000
	}
	manifest := opts.Manifest
	if manifest == "" {
		for _, m := range []string{"manifest.csv", "manifest.jsonl"} {
			if _, err := st.Stat(ctx, m); err == nil {
				manifest = m
				break
			} else if !errors.Is(err, storage.ErrNotFound) {
				return nil, err
			}
		}
	}
	h := sha256.New()
	var all []storage.ObjectInfo
	for info, err := range st.List(ctx, "", storage.ListOptions{}) {
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%d\n", info.Key, info.Size, info.ETag, info.ModTime.UnixNano())
		all = append(all, storage.ObjectInfo{Key: info.Key, Size: info.Size})
		if len(all) > opts.MaxFiles {
			return nil, fmt.Errorf("dataset has more than %d files; split it or raise the limit", opts.MaxFiles)
		}
	}
	if len(all) == 0 {
		return nil, &NotFoundError{}
	}
	d := &Dataset{Fingerprint: "sha256:" + hex.EncodeToString(h.Sum(nil))}
	if manifest != "" {
		if err := d.readManifest(ctx, st, manifest, all); err != nil {
			return nil, err
		}
	} else {
		d.fromFolders(all)
	}
	if len(d.Files) == 0 {
		return nil, &DatasetError{Msg: "the dataset holds no samples: expected <class>/<file> folders (or <split>/<class>/<file>, or a manifest.csv/manifest.jsonl) with " +
			"PNG, JPEG, WAV or NPY files"}
	}
	sort.Slice(d.Files, func(i, j int) bool { return d.Files[i].Key < d.Files[j].Key })
	return d, nil
}

// NotFoundError is a dataset location that holds no files at all: a
// folder or prefix that does not exist, or an empty one. It unwraps to
// storage.ErrNotFound, so the API answers 404 and a job fails at once.
type NotFoundError struct{}

func (e *NotFoundError) Error() string {
	return "not found: there are no files at this location (no such folder or prefix, or an empty one)"
}

func (e *NotFoundError) Unwrap() error { return storage.ErrNotFound }

// Kind is errkind.NotFound.
func (e *NotFoundError) Kind() errkind.Kind { return errkind.NotFound }

// DatasetError is a dataset that cannot be used; the API answers it with
// 422.
type DatasetError struct{ Msg string }

func (e *DatasetError) Error() string { return e.Msg }

// Kind is errkind.Unprocessable: the request is well-formed, but its
// dataset cannot serve it; a retry cannot fix that.
func (e *DatasetError) Kind() errkind.Kind { return errkind.Unprocessable }

func (d *Dataset) fromFolders(all []storage.ObjectInfo) {
	split := len(all) > 0
	for _, o := range all {
		first, _, _ := strings.Cut(o.Key, "/")
		if !slices.Contains(splitNames, strings.ToLower(first)) || strings.Count(o.Key, "/") < 2 {
			if !strings.HasPrefix(path.Base(o.Key), ".") && !isBookkeeping(o.Key) {
				split = false
				break
			}
		}
	}
	d.Layout = "folders"
	if split {
		d.Layout = "split-folders"
	}
	for _, o := range all {
		if strings.HasPrefix(path.Base(o.Key), ".") || isBookkeeping(o.Key) {
			continue
		}
		segs := strings.Split(o.Key, "/")
		f := File{Key: o.Key, Size: o.Size}
		if split {
			f.Split = normSplit(segs[0])
			segs = segs[1:]
		}
		if len(segs) < 2 {
			d.Skipped = append(d.Skipped, Problem{o.Key, "not inside a class folder"})
			continue
		}
		f.Class = segs[0]
		if KindOf(o.Key) == "" {
			d.Skipped = append(d.Skipped, Problem{o.Key, "unsupported file type " + path.Ext(o.Key) + " (accepted: .png, .jpg, .jpeg, .wav, .npy)"})
			continue
		}
		d.Files = append(d.Files, f)
	}
}

// isBookkeeping reports files a dataset may hold that are not samples.
func isBookkeeping(key string) bool {
	switch path.Base(key) {
	case "metadata.jsonl", "metadata.csv", "report.json", "report.html", "_SUCCESS", "README.md", "LICENSE":
		return true
	}
	return false
}

func normSplit(s string) string {
	switch s = strings.ToLower(s); s {
	case "training":
		return "train"
	case "testing":
		return "test"
	case "valid", "validation":
		return "val"
	}
	return s
}

func (d *Dataset) readManifest(ctx context.Context, st storage.Store, key string, all []storage.ObjectInfo) error {
	rc, _, err := st.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", key, err)
	}
	defer rc.Close()
	sizes := make(map[string]int64, len(all))
	for _, o := range all {
		sizes[o.Key] = o.Size
	}
	d.Layout = "manifest"
	base := path.Dir(key)
	add := func(line int, file, label, split string) error {
		if file == "" || label == "" {
			return &DatasetError{Msg: fmt.Sprintf("manifest %s line %d: file and label are required", key, line)}
		}
		k := file
		if base != "." {
			k = base + "/" + file
		}
		size, ok := sizes[k]
		if !ok {
			d.Skipped = append(d.Skipped, Problem{k, fmt.Sprintf("named by manifest line %d but not found", line)})
			return nil
		}
		if KindOf(k) == "" {
			d.Skipped = append(d.Skipped, Problem{k, "unsupported file type " + path.Ext(k)})
			return nil
		}
		d.Files = append(d.Files, File{Key: k, Class: label, Split: normSplit(split), Size: size})
		return nil
	}
	if strings.HasSuffix(key, ".jsonl") {
		dec := json.NewDecoder(io.LimitReader(rc, 1<<30))
		for line := 1; ; line++ {
			var row struct {
				File     string          `json:"file"`
				FileName string          `json:"file_name"`
				Label    json.RawMessage `json:"label"`
				Split    string          `json:"split"`
			}
			if err := dec.Decode(&row); err == io.EOF {
				break
			} else if err != nil {
				return &DatasetError{Msg: fmt.Sprintf("manifest %s row %d: %v", key, line, err)}
			}
			if row.File == "" {
				row.File = row.FileName
			}
			label := strings.Trim(string(row.Label), `"`)
			if err := add(line, row.File, label, row.Split); err != nil {
				return err
			}
		}
		return nil
	}
	r := csv.NewReader(rc)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return &DatasetError{Msg: fmt.Sprintf("manifest %s: cannot read the header: %v", key, err)}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	fileCol, ok := col["file"]
	if !ok {
		fileCol, ok = col["file_name"]
	}
	labelCol, ok2 := col["label"]
	if !ok || !ok2 {
		return &DatasetError{Msg: fmt.Sprintf("manifest %s: the header %q lacks a file (or file_name) and a label column", key, strings.Join(header, ","))}
	}
	splitCol, hasSplit := col["split"]
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &DatasetError{Msg: fmt.Sprintf("manifest %s: %v", key, err)}
		}
		split := ""
		if hasSplit && splitCol < len(rec) {
			split = rec[splitCol]
		}
		if fileCol >= len(rec) || labelCol >= len(rec) {
			return &DatasetError{Msg: fmt.Sprintf("manifest %s line %d: too few columns", key, line)}
		}
		if err := add(line, rec[fileCol], rec[labelCol], split); err != nil {
			return err
		}
	}
	return nil
}

// HasSplits reports whether any file carries a split.
func (d *Dataset) HasSplits() bool {
	for _, f := range d.Files {
		if f.Split != "" {
			return true
		}
	}
	return false
}

// TrainFiles returns the files generation may use: the training split when
// the dataset has splits (the leakage guard), or all files.
func (d *Dataset) TrainFiles() []File {
	if !d.HasSplits() {
		return d.Files
	}
	var out []File
	for _, f := range d.Files {
		if TrainSplit(f.Split) {
			out = append(out, f)
		}
	}
	return out
}

// ByClass groups files by class, each list sorted by key.
func ByClass(files []File) map[string][]File {
	m := map[string][]File{}
	for _, f := range files {
		m[f.Class] = append(m[f.Class], f)
	}
	return m
}

// Counts returns the number of files per class.
func Counts(files []File) map[string]int {
	m := map[string]int{}
	for _, f := range files {
		m[f.Class]++
	}
	return m
}
