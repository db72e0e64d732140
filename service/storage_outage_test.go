package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/service"
	"github.com/tailsynth/tailsynth/storage/storagetest"
)

// TestSubmitDuringS3Outage runs the whole service against a versitygw that
// is down when a job is submitted: the submit is accepted and says that
// the job waits for storage; the job waits, without spending attempts,
// and completes once the server is back on its port.
func TestSubmitDuringS3Outage(t *testing.T) {
	srv := storagetest.NewS3Server(t)
	bucket := srv.NewBucket(t)
	root := t.TempDir()
	writeDataset(t, filepath.Join(root, "toy"))
	cfg := configs.Default()
	cfg.DataDir = t.TempDir()
	cfg.Storage.LocalRoots = []string{root, cfg.DataDir}
	cfg.Storage.DefaultOutput = "s3://" + bucket + "/runs"
	cfg.Storage.S3 = configs.S3{Endpoint: "http://" + srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, BucketLookup: "path",
		Region: "us-east-1", PartSizeMiB: 16, AllowedBuckets: []string{bucket}}
	cfg.Jobs.StorageRetryMaxBackoff = time.Second
	ctx := context.Background()
	svc, err := service.New(ctx, cfg, quiet(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Engine().Start(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		ts.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		svc.Engine().Stop(sctx)
		svc.Engine().Close()
	})
	do := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}

	srv.Stop(t)
	code, body := do("POST", "/v1/jobs", fmt.Sprintf(`{"dataset": %q, "generator": "oversample", "seed": 1, "quality": "off"}`, filepath.Join(root, "toy")))
	note, _ := body["waiting_for_storage"].(string)
	if code != http.StatusAccepted || !strings.Contains(note, "s3_endpoint") || !strings.Contains(note, "10m0s") {
		t.Fatalf("submit while S3 is down: %d %v; want 202 saying that the job waits for storage", code, body)
	}
	id := body["job"].(map[string]any)["id"].(string)
	wait := func(what string, done func(j map[string]any) bool) map[string]any {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, j := do("GET", "/v1/jobs/"+id, "")
			if done(j) {
				return j
			}
			if st, _ := j["state"].(string); st == "succeeded" || st == "failed" || st == "cancelled" || time.Now().After(deadline) {
				t.Fatalf("waiting for %s: job %v", what, j)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	j := wait("a storage wait", func(j map[string]any) bool { return j["storage_wait"] != nil })
	if j["state"] != "retrying" || j["attempts"] != float64(0) || !strings.Contains(fmt.Sprint(j["error"]), "storage unavailable") {
		t.Errorf("waiting for storage: %v; want retrying, no attempt spent, the storage error", j)
	}
	srv.Start(t)
	j = wait("the job's end", func(j map[string]any) bool { return j["state"] == "succeeded" })
	if j["attempts"] != float64(1) || j["storage_wait"] != nil {
		t.Errorf("after the outage: %v; want succeeded after 1 attempt, no storage wait", j)
	}
	st, err := storeFor(srv.Config(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, "runs/"+id+"/_SUCCESS"); err != nil {
		t.Error(err)
	}
}
