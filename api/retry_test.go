package api_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/storage"
)

// TestSubmitWhileStorageDown: while the storage checks of /readyz fail, a
// submitted job is accepted (202) with a note that it waits for storage,
// and is checked when it starts; a job that fails can be retried with
// POST /v1/jobs/{id}/retry once what failed it is fixed.
func TestSubmitWhileStorageDown(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	s := newServer(t, false, func(v *api.V1) {
		v.StorageReady = func(context.Context) error {
			if down.Load() {
				return fmt.Errorf("s3_endpoint: cannot reach the S3 endpoint: %w", storage.ErrUnavailable)
			}
			return nil
		}
		v.StorageRetryWindow = 10 * time.Minute
	})
	// A dataset that does not exist yet: with storage down it cannot be
	// looked at, so the job is accepted and fails when it starts.
	later := filepath.Join(s.root, "later")
	code, hdr, body := s.do(t, "POST", "/v1/jobs", fmt.Sprintf(`{"dataset": %q, "generator": "oversample", "seed": 3}`, later))
	note, _ := body["waiting_for_storage"].(string)
	if code != http.StatusAccepted || hdr.Get("Location") == "" || !strings.Contains(note, "s3_endpoint") ||
		!strings.Contains(note, "10m0s") || !strings.Contains(note, "jobs.storage_retry_window") || body["plan"] != nil {
		t.Fatalf("submit while storage is down: %d %v; want 202 without a plan, saying that the job waits for storage (and for how long)", code, body)
	}
	id := body["job"].(map[string]any)["id"].(string)
	down.Store(false)
	if j := s.waitJob(t, id); j["state"] != "failed" || !strings.Contains(j["error"].(string), "no") {
		t.Fatalf("job on a missing dataset: %v, want failed", j)
	}

	writeDataset(t, later, map[string]int{"common": 24, "rare": 3})
	code, _, j := s.do(t, "POST", "/v1/jobs/"+id+"/retry", "")
	// A worker may take the job up before the answer is written: queued
	// or already further, but no longer failed.
	if st := j["state"]; code != http.StatusAccepted || j["id"] != id || st == "failed" || st == "cancelled" || j["retry_count"] != float64(1) || j["error"] != nil {
		t.Fatalf("retry: %d %v; want 202 and the job queued again (or taken up), retry_count 1, no error", code, j)
	}
	if j := s.waitJob(t, id); j["state"] != "succeeded" {
		t.Fatalf("retried job: %v, want succeeded", j)
	}
	code, _, body = s.do(t, "POST", "/v1/jobs/"+id+"/retry", "")
	if e, _ := body["error"].(map[string]any); code != http.StatusConflict || !strings.Contains(fmt.Sprint(e["message"]), "succeeded") {
		t.Errorf("retry of a succeeded job: %d %v, want 409 naming its state", code, body)
	}
	if code, _, body := s.do(t, "POST", "/v1/jobs/job_00000000000000000000/retry", ""); code != http.StatusNotFound {
		t.Errorf("retry of an unknown job: %d %v, want 404", code, body)
	}

	// Storage up: the job is checked now, and the answer says nothing of
	// storage.
	code, _, body = s.do(t, "POST", "/v1/jobs", fmt.Sprintf(`{"dataset": "%s/ds", "generator": "oversample", "seed": 4}`, s.root))
	if _, waiting := body["waiting_for_storage"]; code != http.StatusAccepted || waiting || body["plan"] == nil {
		t.Errorf("submit with storage up: %d %v; want 202 with the plan", code, body)
	}
	code, _, body = s.do(t, "POST", "/v1/jobs", fmt.Sprintf(`{"dataset": "%s/nothing", "generator": "oversample", "seed": 4}`, s.root))
	if code != http.StatusNotFound {
		t.Errorf("submit on a missing dataset with storage up: %d %v; want 404 at once", code, body)
	}
}
