package locator_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/storage/locator"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.Main(m)) }

func TestLocalPolicy(t *testing.T) {
	root := t.TempDir()
	l, err := locator.New(locator.Config{LocalRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		uri  string
		want error
	}{
		{"file://" + root + "/datasets/x", nil},
		{root + "/outputs", nil},
		{"file://" + root, nil},
		{"/etc", storage.ErrLocationNotAllowed},
		{"file:///etc/passwd", storage.ErrLocationNotAllowed},
		{"file://" + root + "/../x", storage.ErrInvalidLocation},
		{"file://" + root + "/escape/data", storage.ErrLocationNotAllowed},
		{"relative/path", storage.ErrInvalidLocation},
		{"s3://bucket/x", storage.ErrLocationNotAllowed}, // S3 not configured
		{"http://host/x", storage.ErrInvalidLocation},
		{"s3://Bad_Bucket/x", storage.ErrInvalidLocation},
	}
	for _, c := range cases {
		_, err := l.Resolve(c.uri)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("Resolve(%q) error = %v, want %v", c.uri, err, c.want)
		}
	}
	ctx := context.Background()
	st, _, err := l.Open(ctx, "file://"+root+"/out/job1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, "data/a.txt", bytes.NewReader([]byte("a")), 1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "out", "job1", "data", "a.txt")); err != nil || string(b) != "a" {
		t.Errorf("file = %q, %v", b, err)
	}
}

func TestS3Policy(t *testing.T) {
	srv := storagetest.S3(t)
	bucket := srv.NewBucket(t)
	cfg := srv.Config()
	l, err := locator.New(locator.Config{LocalRoots: []string{t.TempDir()}, S3: &cfg, AllowedBuckets: []string{bucket}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, loc, err := l.Open(ctx, "s3://"+bucket+"/team/out")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Path != "team/out" {
		t.Errorf("location path = %q", loc.Path)
	}
	if _, err := st.Put(ctx, "x", bytes.NewReader([]byte("x")), 1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Open(ctx, "s3://other-teams-bucket/x"); !errors.Is(err, storage.ErrLocationNotAllowed) {
		t.Errorf("other bucket error = %v, want ErrLocationNotAllowed", err)
	}
}
