package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/tables"
)

// Table formats.
const (
	TableCSV     = "csv"
	TableParquet = "parquet"
)

// TableFormatOf returns the table format of a file name by its extension
// (.csv, .parquet, any case), or "".
func TableFormatOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return TableCSV
	case ".parquet":
		return TableParquet
	}
	return ""
}

// SplitTableLocation splits a table's location URI into the folder to open
// as a store and the key of the table's file in it: a location naming a
// .csv or .parquet file is that file in its folder; any other location is
// a folder of part files (key "").
func SplitTableLocation(uri string) (dir, key string) {
	i := strings.LastIndex(uri, "/")
	if i < 0 || TableFormatOf(uri[i+1:]) == "" || strings.HasSuffix(uri[:i+1], "://") {
		return uri, ""
	}
	return uri[:i], uri[i+1:]
}

// Table is a table dataset in a store: one CSV or Parquet file, or the
// part files of one schema in a folder (in key order; every part has the
// same format). Parquet parts are copied to local temporary files when
// first read, since Parquet is read from its end; Close removes them.
type Table struct {
	Store  storage.Store
	Format string
	Parts  []storage.ObjectInfo
	// Fingerprint changes when any part's key, size or version changes.
	Fingerprint string

	spooled []*os.File
}

// OpenTable finds the table at key in st: the file key, or with key ""
// every .csv or .parquet file of st (its part files). A folder that mixes
// the formats, or has none, is a *DatasetError; a file that is not there a
// *NotFoundError.
func OpenTable(ctx context.Context, st storage.Store, key string) (*Table, error) {
	t := &Table{Store: st}
	if key != "" {
		info, err := st.Stat(ctx, key)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, &NotFoundError{}
		}
		if err != nil {
			return nil, err
		}
		t.Parts = []storage.ObjectInfo{info}
		t.Format = TableFormatOf(key)
	} else {
		for info, err := range st.List(ctx, "", storage.ListOptions{}) {
			if err != nil {
				return nil, err
			}
			f := TableFormatOf(info.Key)
			if f == "" {
				continue
			}
			if t.Format != "" && f != t.Format {
				return nil, &DatasetError{Msg: fmt.Sprintf("the table's folder holds both .%s and .%s files (%s); a table's part files share one format", t.Format, f, info.Key)}
			}
			t.Format = f
			t.Parts = append(t.Parts, info)
		}
		if len(t.Parts) == 0 {
			return nil, &DatasetError{Msg: "no .csv or .parquet file in the table's folder; name a table file (…/data.csv) or a folder of part files"}
		}
	}
	if t.Format == "" {
		return nil, &DatasetError{Msg: fmt.Sprintf("%s is not a table: accepted are .csv and .parquet files", key)}
	}
	h := sha256.New()
	for _, p := range t.Parts {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%d\n", p.Key, p.Size, p.ETag, p.ModTime.UnixNano())
	}
	t.Fingerprint = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return t, nil
}

// Infer reads the table once and returns its schema (see tables.InferCSV
// and tables.InferParquet).
func (t *Table) Infer(ctx context.Context, opts tables.Options) (*tables.Schema, error) {
	if t.Format == TableParquet {
		parts, err := t.parquetParts(ctx)
		if err != nil {
			return nil, err
		}
		return tables.InferParquet(parts, opts)
	}
	parts, closeAll, err := t.csvParts(ctx)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	return tables.InferCSV(parts, opts)
}

// Read reads the table's rows in chunks with schema s (from Infer); call
// the returned close when done. Reading stops with ctx's error once ctx is
// done.
func (t *Table) Read(ctx context.Context, s *tables.Schema) (tables.ChunkReader, func(), error) {
	if t.Format == TableParquet {
		parts, err := t.parquetParts(ctx)
		if err != nil {
			return nil, nil, err
		}
		r, err := tables.NewParquetReader(parts, s, 0)
		return ctxReader{r, ctx}, func() {}, err
	}
	parts, closeAll, err := t.csvParts(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := tables.NewCSVReader(parts, s, 0)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return ctxReader{r, ctx}, closeAll, nil
}

// ctxReader stops reading chunks once its context is done.
type ctxReader struct {
	tables.ChunkReader
	ctx context.Context
}

func (r ctxReader) Next() (*tables.Chunk, error) {
	if err := r.ctx.Err(); err != nil {
		return nil, err
	}
	return r.ChunkReader.Next()
}

// Close removes the local copies of Parquet parts.
func (t *Table) Close() error {
	var errs []error
	for _, f := range t.spooled {
		errs = append(errs, f.Close(), os.Remove(f.Name()))
	}
	t.spooled = nil
	return errors.Join(errs...)
}

func (t *Table) csvParts(ctx context.Context) ([]tables.CSVPart, func(), error) {
	var parts []tables.CSVPart
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	for _, p := range t.Parts {
		rc, _, err := t.Store.Get(ctx, p.Key)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("table part %s: %w", p.Key, err)
		}
		closers = append(closers, rc)
		parts = append(parts, tables.CSVPart{Name: p.Key, R: rc})
	}
	return parts, closeAll, nil
}

func (t *Table) parquetParts(ctx context.Context) ([]tables.ParquetPart, error) {
	if t.spooled == nil {
		for _, p := range t.Parts {
			f, err := t.spool(ctx, p.Key)
			if err != nil {
				t.Close()
				return nil, err
			}
			t.spooled = append(t.spooled, f)
		}
	}
	parts := make([]tables.ParquetPart, len(t.Parts))
	for i, p := range t.Parts {
		fi, err := t.spooled[i].Stat()
		if err != nil {
			return nil, err
		}
		parts[i] = tables.ParquetPart{Name: p.Key, R: t.spooled[i], Size: fi.Size()}
	}
	return parts, nil
}

func (t *Table) spool(ctx context.Context, key string) (*os.File, error) {
	rc, _, err := t.Store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("table part %s: %w", key, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "tailsynth-table-*.parquet")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("table part %s: %w", key, err)
	}
	return f, nil
}
