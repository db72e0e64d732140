// Package local is the local-filesystem backend of storage.Store, the
// embedded default of tailsynth.
//
// Objects are plain files under the root directory, so training code can
// read an output directory as it is. Every file access goes through an
// os.Root, so no key, symlink or race can reach outside the root. Writes go
// to a temporary file under <root>/.tailsynth/tmp and are renamed into place
// after an fsync: readers see a whole object or none, and concurrent writers
// of one key never leave a torn file. New removes temporary files older than
// StaleTempAge, which a killed process left behind. A content type is
// implied by the key's extension (ImpliedContentType); a different one,
// or user metadata, lives in a JSON sidecar under <root>/.tailsynth/meta,
// so the samples of a job (PNG, WAV, NPY) cost no file beside their own.
// Keys whose segments start with ".tailsynth" are reserved and never
// listed.
package local

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"mime"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tailsynth/tailsynth/storage"
)

const (
	tmpDir  = storage.ReservedPrefix + "/tmp"
	metaDir = storage.ReservedPrefix + "/meta"
)

// StaleTempAge is how old a temporary file must be for New to take it for
// the leftover of a Put that was killed (kill -9, power loss) and remove
// it. A Put under way keeps its file's modification time fresh with every
// write and renames it right after the last, so an hour-old one is dead.
// Age, not "everything at start-up", because several processes (sharing a
// PostgreSQL job database) may write to one directory: a start-up must not
// remove another process's live temporary files.
const StaleTempAge = time.Hour

// Store is a storage.Store on a local directory.
type Store struct {
	dir  string
	root *os.Root
}

var _ storage.Store = (*Store)(nil)

// New opens (creating it if needed) the directory dir as a store.
func New(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("local store: empty directory; give the data directory, e.g. ./data")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("local store: create %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("local store: open %s: %w", dir, err)
	}
	s := &Store{dir: dir, root: root}
	s.removeStaleTemp(time.Now().Add(-StaleTempAge))
	return s, nil
}

// removeStaleTemp removes temporary files last modified before cutoff: the
// leftovers of Puts that were killed. It is best effort; a file it cannot
// remove is tried again at the next start.
func (s *Store) removeStaleTemp(cutoff time.Time) {
	f, err := s.root.Open(tmpDir)
	if err != nil {
		return // no temporary directory yet
	}
	entries, _ := f.ReadDir(-1)
	f.Close()
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(cutoff) {
			_ = s.root.Remove(tmpDir + "/" + e.Name())
		}
	}
}

// Dir returns the directory the store was opened on.
func (s *Store) Dir() string { return s.dir }

// Close releases the root directory handle.
func (s *Store) Close() error { return s.root.Close() }

// impliedTypes are the content types an extension implies without a
// sidecar: those tailsynth writes. A fixed table, not the system's MIME
// tables, so what an object reads back does not depend on the machine.
var impliedTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".wav": "audio/wav", ".npy": "application/x-npy",
	".json": "application/json", ".jsonl": "application/x-ndjson",
	".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
}

// ImpliedContentType is the content type key's extension implies ("" for
// none): a Put with it and no user metadata writes no sidecar.
func ImpliedContentType(key string) string {
	return impliedTypes[strings.ToLower(path.Ext(key))]
}

type sidecar struct {
	ContentType  string            `json:"content_type,omitempty"`
	UserMetadata map[string]string `json:"user_metadata,omitempty"`
}

// Put implements storage.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, err
	}
	if fi, err := s.root.Stat(key); err == nil && fi.IsDir() {
		return storage.ObjectInfo{}, fmt.Errorf("key %q names a directory on the local filesystem: %w", key, storage.ErrInvalidKey)
	}
	tmp, n, sum, err := s.writeTemp(ctx, r)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	defer s.root.Remove(tmp) // no-op after a successful rename
	if size >= 0 && n != size {
		return storage.ObjectInfo{}, fmt.Errorf("put %q: read %d bytes, the caller said %d: %w", key, n, size, io.ErrUnexpectedEOF)
	}
	if dir := path.Dir(key); dir != "." {
		if err := s.root.MkdirAll(dir, 0o755); err != nil {
			if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTDIR) {
				return storage.ObjectInfo{}, fmt.Errorf("key %q: a parent of it is a file on the local filesystem: %w", key, storage.ErrInvalidKey)
			}
			return storage.ObjectInfo{}, s.translate(key, err)
		}
	}
	if opts.IfNotExists {
		// link(2) fails if the name exists: an atomic create-exclusive.
		if err := s.root.Link(tmp, key); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return storage.ObjectInfo{}, fmt.Errorf("put %q: %w", key, storage.ErrExists)
			}
			return storage.ObjectInfo{}, s.translate(key, err)
		}
	} else if err := s.root.Rename(tmp, key); err != nil {
		return storage.ObjectInfo{}, s.translate(key, err)
	}
	if err := s.writeSidecar(key, opts); err != nil {
		return storage.ObjectInfo{}, err
	}
	info, err := s.Stat(ctx, key)
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	info.ETag = sum
	return info, nil
}

// writeTemp copies r into a new temporary file and syncs it.
func (s *Store) writeTemp(ctx context.Context, r io.Reader) (name string, n int64, md5hex string, err error) {
	if err := s.root.MkdirAll(tmpDir, 0o755); err != nil {
		return "", 0, "", fmt.Errorf("local store: create %s: %w", tmpDir, err)
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	name = tmpDir + "/" + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", 0, "", fmt.Errorf("local store: %w", err)
	}
	h := md5.New()
	n, err = io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.root.Remove(name)
		return "", 0, "", err
	}
	return name, n, hex.EncodeToString(h.Sum(nil)), nil
}

func (s *Store) writeSidecar(key string, opts storage.PutOptions) error {
	meta := metaDir + "/" + key + ".json"
	if len(opts.UserMetadata) == 0 && (opts.ContentType == "" || opts.ContentType == ImpliedContentType(key)) {
		if err := s.root.Remove(meta); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return s.translate(key, err)
		}
		return nil
	}
	sc := sidecar{ContentType: opts.ContentType}
	if len(opts.UserMetadata) > 0 {
		sc.UserMetadata = make(map[string]string, len(opts.UserMetadata))
		for k, v := range opts.UserMetadata {
			sc.UserMetadata[strings.ToLower(k)] = v
		}
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	if err := s.root.MkdirAll(path.Dir(meta), 0o755); err != nil {
		return s.translate(key, err)
	}
	tmp, _, _, err := s.writeTemp(context.Background(), strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	if err := s.root.Rename(tmp, meta); err != nil {
		s.root.Remove(tmp)
		return s.translate(key, err)
	}
	return nil
}

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, storage.ObjectInfo{}, s.translate(key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, storage.ObjectInfo{}, s.translate(key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, storage.ObjectInfo{}, fmt.Errorf("get %q: not a regular file: %w", key, storage.ErrNotFound)
	}
	return f, s.info(key, fi), nil
}

// Stat implements storage.Store.
func (s *Store) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	if err := storage.ValidateKey(key); err != nil {
		return storage.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.ObjectInfo{}, err
	}
	fi, err := s.root.Stat(key)
	if err != nil {
		return storage.ObjectInfo{}, s.translate(key, err)
	}
	if !fi.Mode().IsRegular() {
		return storage.ObjectInfo{}, fmt.Errorf("stat %q: not a regular file: %w", key, storage.ErrNotFound)
	}
	return s.info(key, fi), nil
}

func (s *Store) info(key string, fi fs.FileInfo) storage.ObjectInfo {
	return s.infoSidecar(key, fi, true)
}

// sidecarNames lists the sidecar files of the objects directly in dir.
func (s *Store) sidecarNames(dir string) map[string]bool {
	name := metaDir
	if dir != "" {
		name += "/" + dir
	}
	f, err := s.root.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names[e.Name()] = true
		}
	}
	return names
}

// infoSidecar is info when the caller knows whether key has a sidecar
// (a listing reads them a directory at a time).
func (s *Store) infoSidecar(key string, fi fs.FileInfo, hasSidecar bool) storage.ObjectInfo {
	info := storage.ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	if hasSidecar {
		if b, err := s.root.ReadFile(metaDir + "/" + key + ".json"); err == nil {
			var sc sidecar
			if json.Unmarshal(b, &sc) == nil {
				info.ContentType = sc.ContentType
				info.UserMetadata = sc.UserMetadata
			}
		}
	}
	if info.ContentType == "" {
		info.ContentType = ImpliedContentType(key)
	}
	if info.ContentType == "" {
		info.ContentType = mime.TypeByExtension(path.Ext(key))
	}
	if info.ContentType == "" {
		info.ContentType = "application/octet-stream"
	}
	return info
}

// Delete implements storage.Store. Directories left empty are removed.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := storage.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if fi, err := s.root.Lstat(key); err == nil && fi.IsDir() {
		return fmt.Errorf("delete %q: names a directory, not an object: %w", key, storage.ErrInvalidKey)
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.translate(key, err)
	}
	_ = s.root.Remove(metaDir + "/" + key + ".json")
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil { // fails once a directory is not empty
			break
		}
	}
	return nil
}

// Check implements storage.Store: the root must exist and be writable.
func (s *Store) Check(ctx context.Context) error {
	tmp, _, _, err := s.writeTemp(ctx, strings.NewReader("ok"))
	if err != nil {
		return fmt.Errorf("local store %s is not writable: %w", s.dir, err)
	}
	return s.root.Remove(tmp)
}

// List implements storage.Store. It walks directories one at a time in key
// order (a directory sorts as its name plus "/", as S3 orders keys), so
// memory grows with the widest directory, not with the whole tree.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) iter.Seq2[storage.ObjectInfo, error] {
	return func(yield func(storage.ObjectInfo, error) bool) {
		if err := storage.ValidatePrefix(prefix); err != nil {
			yield(storage.ObjectInfo{}, err)
			return
		}
		s.walk(ctx, "", prefix, opts.StartAfter, yield)
	}
}

// walk lists directory dir ("" for the root, else a key prefix without a
// trailing slash) and returns false when the caller stopped or failed.
func (s *Store) walk(ctx context.Context, dir, prefix, startAfter string, yield func(storage.ObjectInfo, error) bool) bool {
	if err := ctx.Err(); err != nil {
		yield(storage.ObjectInfo{}, err)
		return false
	}
	name := dir
	if name == "" {
		name = "."
	}
	f, err := s.root.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return true
		}
		yield(storage.ObjectInfo{}, s.translate(dir, err))
		return false
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		yield(storage.ObjectInfo{}, s.translate(dir, err))
		return false
	}
	type entry struct {
		sortKey string
		key     string
		isDir   bool
		dirent  fs.DirEntry
	}
	list := make([]entry, 0, len(entries))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), storage.ReservedPrefix) {
			continue
		}
		key := e.Name()
		if dir != "" {
			key = dir + "/" + key
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err := s.root.Stat(key) // follows links that stay inside the root
			if err != nil {
				continue
			}
			isDir = fi.IsDir()
		}
		sk := key
		if isDir {
			sk += "/"
		}
		list = append(list, entry{sortKey: sk, key: key, isDir: isDir, dirent: e})
	}
	// The sidecars of this directory's objects, read as one listing: a
	// listing does not try to open a sidecar for every file (most have
	// none), which made a scan of a local dataset cost three path walks
	// in the root per file.
	sidecars := s.sidecarNames(dir)
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.sortKey, b.sortKey) })
	for _, e := range list {
		if e.isDir {
			sub := e.sortKey
			if !strings.HasPrefix(sub, prefix) && !strings.HasPrefix(prefix, sub) {
				continue
			}
			if startAfter > sub && !strings.HasPrefix(startAfter, sub) {
				continue // every key below sorts before startAfter
			}
			if !s.walk(ctx, e.key, prefix, startAfter, yield) {
				return false
			}
			continue
		}
		if !strings.HasPrefix(e.key, prefix) || e.key <= startAfter {
			continue
		}
		// A directory opened in an os.Root reads each entry's lstat with
		// the listing, so Info costs nothing; a link is followed (inside
		// the root only).
		var fi fs.FileInfo
		if e.dirent.Type()&fs.ModeSymlink != 0 {
			fi, err = s.root.Stat(e.key)
		} else {
			fi, err = e.dirent.Info()
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted while listing
			}
			if !yield(storage.ObjectInfo{}, s.translate(e.key, err)) {
				return false
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if !yield(s.infoSidecar(e.key, fi, sidecars[path.Base(e.key)+".json"]), nil) {
			return false
		}
	}
	return true
}

func (s *Store) translate(key string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%q in %s: %w", key, s.dir, storage.ErrNotFound)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%q in %s: %v: %w", key, s.dir, err, storage.ErrPermission)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Errorf("%q in %s: a parent is a file, not a directory: %w", key, s.dir, storage.ErrInvalidKey)
	case strings.Contains(err.Error(), "path escapes from parent"):
		return fmt.Errorf("%q in %s: leads outside the store's root (a symlink?): %w", key, s.dir, storage.ErrPermission)
	}
	return fmt.Errorf("%q in %s: %w", key, s.dir, err)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
