package storage

import (
	"context"
	"io"
	"iter"
	"strings"
)

// Sub returns a view of s in which every key is relative to prefix. An empty
// prefix returns s itself.
func Sub(s Store, prefix string) Store {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return s
	}
	return &subStore{s: s, prefix: prefix + "/"}
}

type subStore struct {
	s      Store
	prefix string
}

func (p *subStore) full(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return p.prefix + key, nil
}

func (p *subStore) strip(info ObjectInfo) ObjectInfo {
	info.Key = strings.TrimPrefix(info.Key, p.prefix)
	return info
}

func (p *subStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	k, err := p.full(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	info, err := p.s.Put(ctx, k, r, size, opts)
	return p.strip(info), err
}

func (p *subStore) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	k, err := p.full(key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	rc, info, err := p.s.Get(ctx, k)
	return rc, p.strip(info), err
}

func (p *subStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	k, err := p.full(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	info, err := p.s.Stat(ctx, k)
	return p.strip(info), err
}

func (p *subStore) List(ctx context.Context, prefix string, opts ListOptions) iter.Seq2[ObjectInfo, error] {
	if opts.StartAfter != "" {
		opts.StartAfter = p.prefix + opts.StartAfter
	}
	return func(yield func(ObjectInfo, error) bool) {
		for info, err := range p.s.List(ctx, p.prefix+prefix, opts) {
			if !yield(p.strip(info), err) {
				return
			}
		}
	}
}

func (p *subStore) Delete(ctx context.Context, key string) error {
	k, err := p.full(key)
	if err != nil {
		return err
	}
	return p.s.Delete(ctx, k)
}

func (p *subStore) Check(ctx context.Context) error { return p.s.Check(ctx) }
