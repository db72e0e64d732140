package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/api"
)

// The table flags of submit, plan and inspect send the fields the API
// reads (decoded strictly into its request type for submit).
func TestTableFlags(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { fakeJSON(w, 200, `{"job":{"id":"job_1"}}`) })
	args := []string{"--dataset", "s3://b/fraud.csv", "--generator", "smote", "--label-column", "is_fraud",
		"--column-types", "zip=categorical,note=text", "--exclude-columns", "id,created", "--output-format", "parquet"}
	if code, _, stderr := runCLI(t, srv.URL, append([]string{"submit"}, args...)...); code != 0 {
		t.Fatalf("submit: exit %d: %s", code, stderr)
	}
	var job api.JobRequest
	dec := json.NewDecoder(bytes.NewReader(srv.got()[0].body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("submit body %s: %v", srv.got()[0].body, err)
	}
	if job.LabelColumn != "is_fraud" || job.ColumnTypes["zip"] != "categorical" || job.ColumnTypes["note"] != "text" ||
		!slices.Equal(job.ExcludeColumns, []string{"id", "created"}) || job.OutputFormat != "parquet" {
		t.Errorf("submit body %s", srv.got()[0].body)
	}
	for i, cmd := range []string{"plan", "inspect"} {
		if code, _, stderr := runCLI(t, srv.URL, cmd, "s3://b/fraud.csv", "--label-column", "is_fraud", "--exclude-columns", "id"); code != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, code, stderr)
		}
		var body map[string]any
		json.Unmarshal(srv.got()[1+i].body, &body)
		if body["label_column"] != "is_fraud" || len(body["exclude_columns"].([]any)) != 1 {
			t.Errorf("%s body %s", cmd, srv.got()[1+i].body)
		}
	}
	if code, _, stderr := runCLI(t, srv.URL, "submit", "--dataset", "x.csv", "--generator", "smote", "--column-types", "zip"); code != 2 || !strings.Contains(stderr, "col=type") {
		t.Errorf("a malformed --column-types: exit %d, %q; want a usage error showing col=type", code, stderr)
	}
}
