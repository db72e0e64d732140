package service_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
	"github.com/tailsynth/tailsynth/service"
)

// submitted is what a test reads of a job run by runJob.
type submitted struct {
	ID, Output string // the job's id and output location URI
	Planned    int    // samples the plan promised
}

// runJob starts a service on cfg in process, submits body to POST /v1/jobs
// and waits until the job succeeds; a failed job, or one still going after
// deadline (a hang guard, not a speed check), fails the test. The service
// stops when the test ends.
func runJob(t *testing.T, cfg *configs.Config, body string, deadline time.Duration) submitted {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	svc, err := service.New(ctx, cfg, quiet(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Engine().Close() })
	if err := svc.Engine().Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Engine().Stop(context.Background()) })
	w := httptest.NewRecorder()
	svc.Handler().ServeHTTP(w, httptest.NewRequest("POST", "/v1/jobs", strings.NewReader(body)))
	var sub struct {
		Job  struct{ ID, Output string }
		Plan struct{ Total int }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &sub); err != nil || w.Code != 202 {
		t.Fatalf("submit: %d %s", w.Code, w.Body)
	}
	end := time.Now().Add(deadline)
	for {
		j, err := svc.Engine().Get(ctx, sub.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == "succeeded" {
			break
		}
		if j.State == "failed" || time.Now().After(end) {
			t.Fatalf("job %s: %s", j.State, j.Error)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return submitted{ID: sub.Job.ID, Output: sub.Job.Output, Planned: sub.Plan.Total}
}
