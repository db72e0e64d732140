package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/generators"
	"github.com/tailsynth/tailsynth/generators/pipeline"
)

// submit --wait prints a job's few_sources alert (a class allowed below
// the generator's min_sources) as a WARNING line naming the class.
func TestSubmitWaitPrintsFewSources(t *testing.T) {
	alerts, err := generators.SourceFloor{MinSources: 2, AllowFewSources: true}.Check("composite", map[string]int{"rare": 28}, map[string]int{"rare": 1})
	if err != nil || len(alerts) != 1 {
		t.Fatalf("Check = %v, %v; want one alert", alerts, err)
	}
	res, _ := json.Marshal(pipeline.Result{Output: "file:///out/job_1", Files: 28, Added: map[string]int{"rare": 28}, Alerts: alerts})
	srv := submitServer(t, `{"id":"job_1","state":"succeeded","attempts":1,"result":`+string(res)+`}`, "succeeded")
	code, _, stderr := runCLI(t, srv.URL, "submit", "--dataset", "demo", "--generator", "composite", "--params", `{"allow_few_sources":true}`, "--wait")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	want := `WARNING (few_sources): composite: class "rare" has 1 readable training file, fewer than min_sources 2`
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
}
