package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestJobsRetry(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST /v1/jobs/job_1/retry":
			fakeJSON(w, 202, `{"id":"job_1","state":"queued","attempts":1,"retry_count":1}`)
		case "GET /v1/jobs/job_1/events":
			fakeSSE(w, "job", queuedJob, "job", succeededJob, "end", `{"state":"succeeded"}`)
		default:
			fakeJSON(w, 404, `{"error":{"code":"not_found","message":"no route"}}`)
		}
	})
	code, stdout, stderr := runCLI(t, srv.URL, "jobs", "retry", "job_1")
	if code != 0 || !strings.Contains(stdout, `"retry_count": 1`) {
		t.Errorf("jobs retry: exit %d, stdout %q, stderr %q; want 0 and the job queued again", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, srv.URL, "jobs", "retry", "job_1", "--wait")
	if code != 0 || !strings.Contains(stdout, `"state": "succeeded"`) {
		t.Errorf("jobs retry --wait: exit %d, stdout %q, stderr %q; want 0 and the job as it ended", code, stdout, stderr)
	}
	if reqs := srv.got(); len(reqs) < 3 || reqs[0].method != "POST" || reqs[0].path != "/v1/jobs/job_1/retry" {
		t.Errorf("requests %v, want POST /v1/jobs/job_1/retry first", reqs)
	}
}

// TestSubmitWaitWhileStorageDown: a job accepted while storage was down
// has no plan; submit --wait says that it waits for storage.
func TestSubmitWaitWhileStorageDown(t *testing.T) {
	const note = "storage is not available (s3_endpoint: connection refused): the job is queued and waits for it for up to 10m0s"
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "POST /v1/jobs":
			fakeJSON(w, 202, `{"job":`+queuedJob+`,"waiting_for_storage":"`+note+`"}`)
		case "GET /v1/jobs/job_1/events":
			fakeSSE(w, "job", queuedJob, "job", succeededJob, "end", `{"state":"succeeded"}`)
		default:
			fakeJSON(w, 404, `{"error":{"code":"not_found","message":"no route"}}`)
		}
	})
	code, stdout, stderr := runCLI(t, srv.URL, "submit", "--dataset", "demo", "--generator", "oversample", "--seed", "1", "--wait")
	if code != 0 || !strings.Contains(stderr, "submitted job_1; "+note) || strings.Contains(stderr, "0 samples") ||
		!strings.Contains(stdout, `"waiting_for_storage"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want the storage note instead of a sample count, and in the answer", code, stdout, stderr)
	}
}
