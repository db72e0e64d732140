package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/evaluate"
	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/jobs"
	"github.com/tailsynth/tailsynth/storage"
)

// Evaluations are jobs of kind "evaluate": POST /v1/evaluations checks and
// queues one on the job engine, GET /v1/evaluations/{id} shows it with its
// leaderboard once finished. Progress, the event stream and cancel are the
// job routes' (/v1/jobs/{id}, /events, /cancel), which show every kind.

// EvaluationQueue is what the evaluation routes need of the job engine:
// queue an evaluation, and show it (an evaluation is a job).
type EvaluationQueue interface {
	SubmitEvaluation(ctx context.Context, spec generators.Spec, request json.RawMessage, idempotencyKey string) (*jobs.Job, bool, error)
	Get(ctx context.Context, id string) (*jobs.Job, error)
}

// EvaluationRequest is the body of POST /v1/evaluations.
type EvaluationRequest = evaluate.Request

// evaluationPlan is what POST /v1/evaluations answers beside the job.
type evaluationPlan struct {
	Split   evaluate.Split `json:"split"`
	Add     map[string]int `json:"add"`
	Total   int            `json:"total"`
	Methods []string       `json:"methods"`
}

type evaluationSubmitResponse struct {
	Evaluation *jobs.Job      `json:"evaluation"`
	Plan       evaluationPlan `json:"plan"`
}

// EvaluationResponse is GET /v1/evaluations/{id}: the job and, once it
// succeeded, the leaderboard rows read from its leaderboard.json.
type EvaluationResponse struct {
	Evaluation  *jobs.Job      `json:"evaluation"`
	Leaderboard []evaluate.Row `json:"leaderboard,omitempty"`
	// Minority lists the generated classes, whose mean F1 is minority F1.
	Minority []string `json:"minority,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	// Table describes the table of an evaluation on a table
	// (label_column): its format, rows, columns and the SMOTE variant of
	// the smote row.
	Table *evaluate.TableEvaluation `json:"table,omitempty"`
	// Files are the locations of leaderboard.json, report.html and
	// split.json once the evaluation succeeded.
	Files map[string]string `json:"files,omitempty"`
	// LeaderboardError says why a succeeded evaluation's leaderboard
	// could not be read.
	LeaderboardError string `json:"leaderboard_error,omitempty"`
}

func (v *V1) mountEvaluations(g gin.IRouter) {
	g.POST("/evaluations", handle(v.submitEvaluation))
	g.GET("/evaluations/:id", handle(v.getEvaluation))
}

func (v *V1) submitEvaluation(c *gin.Context) (int, any, error) {
	ctx := c.Request.Context()
	var req EvaluationRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	key := c.GetHeader("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "Idempotency-Key is %d characters long; at most %d are accepted", len(key), maxIdempotencyKey)
	}
	ref, err := v.resolveDataset(ctx, datasetRef{req.Dataset, req.Manifest})
	if err != nil {
		return 0, nil, err
	}
	req.Dataset, req.Manifest = ref.Dataset, ref.Manifest
	out := req.Output
	if out == "" {
		out = v.DefaultOutput
	}
	loc, err := v.Resolve(out)
	if err != nil {
		return 0, nil, fmt.Errorf("output: %w", err)
	}
	req.Output = loc.String()
	if err := jobs.CheckOutput(req.Dataset, req.Output); err != nil {
		return 0, nil, err
	}
	if _, err := v.Pipeline.Open(ctx, req.Output); err != nil {
		return 0, nil, fmt.Errorf("output: %w", err)
	}
	if err := req.Normalize(v.Pipeline.Registry); err != nil {
		return 0, nil, err
	}
	plan, _, err := evaluate.Check(ctx, v.Pipeline, &req)
	if err != nil {
		return 0, nil, err
	}
	if v.MaxSamples > 0 && plan.Total > v.MaxSamples {
		return 0, nil, &jobs.LimitError{Msg: fmt.Sprintf("the strategy asks every method for %d samples, more than the %d one job may make (jobs.max_samples); ask for fewer, e.g. with {\"add\": {...}}", plan.Total, v.MaxSamples)}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return 0, nil, err
	}
	spec := generators.Spec{Dataset: req.Dataset, Manifest: req.Manifest, Strategy: *req.Strategy, Seed: req.Seeds[0], Output: req.Output}
	j, created, err := v.Evaluations.SubmitEvaluation(ctx, spec, body, key)
	if err != nil {
		return 0, nil, err
	}
	c.Header("Location", "/v1/evaluations/"+j.ID)
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	names := make([]string, len(req.Methods))
	for i, m := range req.Methods {
		names[i] = m.Name
	}
	return status, evaluationSubmitResponse{Evaluation: j, Plan: evaluationPlan{Split: plan.Split, Add: plan.Add, Total: plan.Total, Methods: names}}, nil
}

func (v *V1) getEvaluation(c *gin.Context) (int, any, error) {
	id := c.Param("id")
	j, err := v.Evaluations.Get(c.Request.Context(), id)
	if err != nil {
		return 0, nil, notFound(err, "evaluation", id)
	}
	if j.Kind != jobs.KindEvaluate {
		return 0, nil, Errorf(http.StatusNotFound, CodeNotFound, "no evaluation %q: it is a %s job; see /v1/jobs/%s", id, j.Kind, id)
	}
	resp := EvaluationResponse{Evaluation: j}
	if j.State != jobs.StateSucceeded {
		return http.StatusOK, resp, nil
	}
	base := strings.TrimSuffix(j.Output, "/")
	resp.Files = map[string]string{
		"leaderboard": base + "/" + evaluate.LeaderboardKey,
		"report_html": base + "/" + generators.ReportHTMLKey,
		"split":       base + "/" + evaluate.SplitKey,
	}
	lb, err := v.readLeaderboard(c.Request.Context(), j.Output)
	if err != nil {
		resp.LeaderboardError = err.Error()
		return http.StatusOK, resp, nil
	}
	resp.Leaderboard, resp.Minority, resp.Notes, resp.Table = lb.Rows, lb.Minority, lb.Notes, lb.Tabular
	return http.StatusOK, resp, nil
}

// maxLeaderboardBytes bounds the leaderboard.json read back.
const maxLeaderboardBytes = 64 << 20

func (v *V1) readLeaderboard(ctx context.Context, output string) (*evaluate.Leaderboard, error) {
	st, err := v.Pipeline.Open(ctx, output)
	if err != nil {
		return nil, err
	}
	rc, info, err := st.Get(ctx, evaluate.LeaderboardKey)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("%s/%s is missing (deleted after the evaluation finished?)", output, evaluate.LeaderboardKey)
		}
		return nil, err
	}
	defer rc.Close()
	if info.Size > maxLeaderboardBytes {
		return nil, fmt.Errorf("%s/%s is %d bytes, more than the %d read back; open it from storage", output, evaluate.LeaderboardKey, info.Size, maxLeaderboardBytes)
	}
	var lb evaluate.Leaderboard
	if err := json.NewDecoder(rc).Decode(&lb); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", output, evaluate.LeaderboardKey, err)
	}
	return &lb, nil
}
