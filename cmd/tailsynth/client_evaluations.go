package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tailsynth/tailsynth/cmd/tailsynth/internal/client"
)

// methodFlags collect repeated --method values: GENERATOR, GENERATOR:JSON
// or NAME=GENERATOR:JSON, each optionally followed by @PROTOCOL (the
// method's protocol, e.g. composite:{"layout":"2x1"}@whole_dataset).
type methodFlags []evalMethod

type evalMethod struct {
	Name      string          `json:"name,omitempty"`
	Generator string          `json:"generator"`
	Params    json.RawMessage `json:"params,omitempty"`
	Protocol  string          `json:"protocol,omitempty"`
}

func (m *methodFlags) String() string { return fmt.Sprint(len(*m), " methods") }

// protocolSuffix is the @PROTOCOL at the end of a --method value: a word
// after the last '@', which a JSON object (ending in '}') cannot end with.
var protocolSuffix = regexp.MustCompile(`@([a-z_]+)$`)

func (m *methodFlags) Set(v string) error {
	var e evalMethod
	full := v
	if loc := protocolSuffix.FindStringSubmatchIndex(v); loc != nil {
		e.Protocol, v = v[loc[2]:loc[3]], v[:loc[0]]
	}
	spec, params, hasParams := strings.Cut(v, ":")
	if name, gen, ok := strings.Cut(spec, "="); ok {
		e.Name, e.Generator = name, gen
	} else {
		e.Generator = spec
	}
	if e.Generator == "" {
		return fmt.Errorf("%q: want GENERATOR, GENERATOR:JSON or NAME=GENERATOR:JSON, optionally followed by @PROTOCOL (@whole_dataset)", full)
	}
	if hasParams {
		var obj map[string]any
		if err := json.Unmarshal([]byte(params), &obj); err != nil || obj == nil {
			return fmt.Errorf("%q: the parameters after ':' must be a JSON object such as {\"layout\":\"3x1\"}", full)
		}
		e.Params = json.RawMessage(params)
	}
	*m = append(*m, e)
	return nil
}

// seedList is a comma-separated --seeds value.
type seedList []int64

func (s *seedList) String() string { return fmt.Sprint([]int64(*s)) }

func (s *seedList) Set(v string) error {
	*s = nil
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return fmt.Errorf("%q: want comma-separated integers such as 1,2,3", v)
		}
		*s = append(*s, n)
	}
	return nil
}

type evaluationRequest struct {
	Dataset          string          `json:"dataset"`
	Manifest         string          `json:"manifest,omitempty"`
	Methods          []evalMethod    `json:"methods"`
	Strategy         json.RawMessage `json:"strategy,omitempty"`
	Seeds            []int64         `json:"seeds,omitempty"`
	TestFraction     float64         `json:"test_fraction,omitempty"`
	Features         string          `json:"features,omitempty"`
	RepeatGeneration bool            `json:"repeat_generation,omitempty"`
	Judges           []string        `json:"judges,omitempty"`
	Output           string          `json:"output,omitempty"`
	// A table's class column and column options (--label-column ...).
	tableRequest
}

func (c *cli) evaluate(ctx context.Context, args []string) int {
	fs, cn := c.flags("evaluate", `evaluate --dataset D --method GEN[:JSON][@PROTOCOL] [--method NAME=GEN:JSON ...] [--strategy S] [--seeds 1,2,3]
       [--test-fraction F] [--features pca|mlp] [--judges cnn,logreg] [--repeat-generation] [--output URI] [--wait] [--json]
       [--label-column C [--column-types col=type,...] [--exclude-columns col,...] [--output-format csv|parquet]]
   or: evaluate --show ID [--wait] [--json]`)
	var req evaluationRequest
	var methods methodFlags
	var seeds seedList
	fs.StringVar(&req.Dataset, "dataset", "", "dataset: a location (s3://bucket/prefix, file:///path, or a path: a relative one is made absolute here) or a registered name")
	fs.StringVar(&req.Manifest, "manifest", "", "manifest key inside the dataset")
	fs.Var(&methods, "method", "a method to compare, repeatable: `GEN[:JSON]` or NAME=GEN:JSON, e.g. composite:'{\"layout\":\"3x1\"}'; "+
		"@whole_dataset at the end (composite only) trains and tests on composites, e.g. whole=composite:'{\"layout\":\"2x1\"}@whole_dataset'")
	strategy := fs.String("strategy", "", "sampling `strategy` every method follows (default auto): "+strategyFormsHelp)
	fs.Var(&seeds, "seeds", "comma-separated `seeds` of the utility runs (default 1,2,3; the first is every method's generation seed)")
	fs.Float64Var(&req.TestFraction, "test-fraction", 0, "share of each class held out when the dataset has no test split (default 0.2; 0.3 of a table's rows)")
	fs.StringVar(&req.Features, "features", "", "feature space of the logreg judge: pca (default) or mlp")
	judges := fs.String("judges", "", "comma-separated utility `judges`, the headline first: cnn (a small CNN on the images) and logreg (logistic regression); default cnn,logreg for images, logreg for audio")
	fs.BoolVar(&req.RepeatGeneration, "repeat-generation", false, "run every method once per seed (its spread then includes the generator's randomness)")
	fs.StringVar(&req.Output, "output", "", "output location, as --dataset (default: the server's default output)")
	table := addTableFlags(fs, true)
	show := fs.String("show", "", "show evaluation `ID` instead of submitting one")
	key := fs.String("idempotency-key", "", "makes a retried submit return the first evaluation")
	wait := fs.Bool("wait", false, "follow the evaluation until it ends and print the leaderboard; exit 1 unless it succeeded")
	asJSON := fs.Bool("json", false, "print the answer as JSON instead of a table")
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(err)
	}
	id := *show
	if id == "" {
		if req.Dataset == "" || len(methods) == 0 {
			return c.usageError(fs, "--dataset and at least one --method are required")
		}
		req.Methods, req.Seeds = methods, seeds
		if req.tableRequest, err = table.request(); err != nil {
			return c.usageError(fs, "%v", err)
		}
		req.Dataset, req.Output = datasetArg(req.Dataset), locationArg(req.Output)
		if *judges != "" {
			for _, j := range strings.Split(*judges, ",") {
				req.Judges = append(req.Judges, strings.TrimSpace(j))
			}
		}
		if *strategy != "" {
			if req.Strategy, err = parseStrategy(*strategy); err != nil {
				return c.usageError(fs, "--strategy: %v", err)
			}
		}
		r := client.Request{Method: http.MethodPost, Path: "/v1/evaluations", Body: req}
		if *key != "" {
			r.Header = http.Header{"Idempotency-Key": {*key}}
		}
		b, err := cl.Do(ctx, r)
		if err != nil {
			return c.fail(err)
		}
		var sub struct {
			Evaluation jobView `json:"evaluation"`
			Plan       struct {
				Total int `json:"total"`
				Split struct {
					Description string `json:"description"`
				} `json:"split"`
			} `json:"plan"`
		}
		if err := json.Unmarshal(b, &sub); err != nil || sub.Evaluation.ID == "" {
			return c.fail(fmt.Errorf("the submit answer names no evaluation: %s", b))
		}
		if !*wait {
			return c.printJSON(b)
		}
		id = sub.Evaluation.ID
		fmt.Fprintf(c.stderr, "submitted %s: %d methods, %d samples each; held out: %s\n", id, len(methods), sub.Plan.Total, sub.Plan.Split.Description)
	}
	if *wait {
		if err := c.followJob(ctx, cl, id); err != nil {
			return c.fail(err)
		}
	}
	b, err := cl.Do(ctx, client.Request{Method: http.MethodGet, Path: "/v1/evaluations/" + url.PathEscape(id)})
	if err != nil {
		return c.fail(err)
	}
	if *asJSON {
		return c.printJSON(b)
	}
	return c.printLeaderboard(b)
}

// followJob draws a job's progress on stderr until it ends, reconnecting a
// broken event stream as waitJob does.
func (c *cli) followJob(ctx context.Context, cl *client.Client, id string) error {
	view := &progressView{w: c.stderr, tty: c.tty}
	failures := 0
	for {
		err := cl.Events(ctx, "/v1/jobs/"+url.PathEscape(id)+"/events", func(ev client.Event) error {
			switch ev.Name {
			case "job":
				var j jobView
				if err := json.Unmarshal(ev.Data, &j); err != nil {
					return fmt.Errorf("event %q: %w", ev.Data, err)
				}
				failures = 0
				view.update(j)
			case "end":
				return errEnded
			}
			return nil
		})
		if errors.Is(err, errEnded) {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("stopped waiting; evaluation %s goes on (\"tailsynth jobs cancel %s\" stops it)", id, id)
		}
		var ae *client.Error
		if errors.As(err, &ae) && ae.Status < 500 {
			return err
		}
		if failures++; failures > maxReconnects {
			return fmt.Errorf("following evaluation %s: gave up after %d reconnects: %w", id, maxReconnects, err)
		}
		select {
		case <-time.After(min(c.retryBase<<(failures-1), maxRetryPause)):
		case <-ctx.Done():
		}
	}
}

// leaderboardRow is a row of GET /v1/evaluations/{id}.
type leaderboardRow struct {
	Rank  int    `json:"rank"`
	Name  string `json:"name"`
	Error string `json:"error"`
	// Protocol "whole_dataset" marks a row trained and tested on
	// composites, not ranked against the others.
	Protocol string `json:"protocol"`
	judgeFigures
	// HeadlineJudge names the judge of the top-level figures; ByJudge
	// holds every judge's (both absent from servers before the judges).
	HeadlineJudge string                   `json:"headline_judge"`
	ByJudge       map[string]*judgeFigures `json:"by_judge"`
	Fidelity      *struct {
		Frechet         *float64 `json:"frechet"`
		Precision       *float64 `json:"precision"`
		Recall          *float64 `json:"recall"`
		NearCopyShare   *float64 `json:"near_copy_share"`
		FrechetReliable bool     `json:"frechet_reliable"`
		PRReliable      bool     `json:"precision_recall_reliable"`
		MinN            int      `json:"min_n"`
	} `json:"fidelity"`
	Alerts []alertView `json:"alerts"`
}

// judgeFigures are one judge's utility figures of a row.
type judgeFigures struct {
	MinorityF1 *stat `json:"minority_f1"`
	MacroF1    *stat `json:"macro_f1"`
	BalAcc     *stat `json:"balanced_accuracy"`
	LiftReal   *struct {
		MinorityF1 stat `json:"minority_f1"`
	} `json:"lift_over_real"`
	LiftSMOTE *struct {
		MinorityF1 stat `json:"minority_f1"`
	} `json:"lift_over_smote"`
}

// judgesOf returns the judges of the rows, the headline first, the others
// by name; nil for rows of a server before the judges.
func judgesOf(rows []leaderboardRow) []string {
	head := ""
	others := map[string]bool{}
	for _, r := range rows {
		if head == "" {
			head = r.HeadlineJudge
		}
		for j := range r.ByJudge {
			others[j] = true
		}
	}
	if head == "" {
		return nil
	}
	delete(others, head)
	return append([]string{head}, slices.Sorted(maps.Keys(others))...)
}

// printLeaderboard prints GET /v1/evaluations/{id} as a table: each
// judge's minority F1 and lift over SMOTE (the headline judge first), then
// the headline's macro F1, balanced accuracy and lift over real; it
// returns 1 unless the evaluation succeeded.
func (c *cli) printLeaderboard(b []byte) int {
	var ev struct {
		Evaluation  jobView           `json:"evaluation"`
		Leaderboard []leaderboardRow  `json:"leaderboard"`
		Minority    []string          `json:"minority"`
		Files       map[string]string `json:"files"`
		LBError     string            `json:"leaderboard_error"`
		Table       *struct {
			Format string `json:"format"`
			Rows   int64  `json:"rows"`
			SMOTE  string `json:"smote"`
		} `json:"table"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return c.fail(fmt.Errorf("reading the evaluation: %w", err))
	}
	j := ev.Evaluation
	if j.State != "succeeded" {
		msg := fmt.Sprintf("evaluation %s is %s", j.ID, j.State)
		if j.Error != "" {
			msg += ": " + strings.TrimSpace(j.Error)
		}
		fmt.Fprintln(c.stderr, msg)
		return 1
	}
	if ev.LBError != "" {
		return c.fail(errors.New(ev.LBError))
	}
	judges := judgesOf(ev.Leaderboard)
	fmt.Fprintf(c.stdout, "evaluation %s; minority F1 = mean F1 over %s\n", j.ID, strings.Join(ev.Minority, ", "))
	if t := ev.Table; t != nil {
		fmt.Fprintf(c.stdout, "table: %s, %d rows; the smote row is %s on the table's rows\n", t.Format, t.Rows, t.SMOTE)
	}
	header := []string{"RANK", "NAME"}
	if judges == nil {
		header = append(header, "MINORITY F1", "LIFT/SMOTE", "MACRO F1", "BAL. ACC", "LIFT/REAL")
	} else {
		fmt.Fprintf(c.stdout, "judges: %s; headline %s (rows ranked by its F1; MACRO F1, BAL. ACC and LIFT/REAL are its)\n", strings.Join(judges, ", "), judges[0])
		for _, jn := range judges {
			header = append(header, "F1 "+strings.ToUpper(jn), "LIFT/SMOTE "+strings.ToUpper(jn))
		}
		header = append(header, "MACRO F1", "BAL. ACC", "LIFT/REAL")
	}
	header = append(header, "FRECHET", "PREC", "REC", "NEAR-COPIES", "ALERTS")
	noFidelity := ev.Table != nil // a table evaluation has no fidelity figures
	if noFidelity {
		header = append(header[:len(header)-5], "ALERTS")
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	var alerts []alertView
	unreliableN := 0
	whole := false
	for _, r := range ev.Leaderboard {
		cells := []string{strconv.Itoa(r.Rank), r.Name}
		if r.Protocol == "whole_dataset" {
			cells, whole = []string{"-", r.Name + " (whole_dataset)"}, true
		}
		perJudge := []judgeFigures{r.judgeFigures}
		if judges != nil {
			perJudge = perJudge[:0]
			for _, jn := range judges {
				f := judgeFigures{}
				if p := r.ByJudge[jn]; p != nil {
					f = *p
				}
				perJudge = append(perJudge, f)
			}
		}
		for _, f := range perJudge {
			cells = append(cells, f.MinorityF1.String(), "-")
			if f.LiftSMOTE != nil {
				cells[len(cells)-1] = f.LiftSMOTE.MinorityF1.signed()
			}
		}
		if r.Error != "" {
			cells[2] = "failed: " + r.Error
		}
		cells = append(cells, r.MacroF1.String(), r.BalAcc.String(), "-")
		if r.LiftReal != nil {
			cells[len(cells)-1] = r.LiftReal.MinorityF1.signed()
		}
		fid := len(cells)
		cells = append(cells, "-", "-", "-", "-", alertMark(r.Alerts))
		alerts = append(alerts, r.Alerts...)
		if f := r.Fidelity; f != nil {
			cells[fid], cells[fid+1], cells[fid+2], cells[fid+3] = optNum(f.Frechet, "%.2f", 1), optNum(f.Precision, "%.3f", 1), optNum(f.Recall, "%.3f", 1), optNum(f.NearCopyShare, "%.1f%%", 100)
			if !f.FrechetReliable && f.Frechet != nil {
				cells[fid] += "*"
			}
			if !f.PRReliable && f.Precision != nil {
				cells[fid+1], cells[fid+2] = cells[fid+1]+"*", cells[fid+2]+"*"
			}
			if (!f.FrechetReliable && f.Frechet != nil) || (!f.PRReliable && f.Precision != nil) {
				if unreliableN == 0 || f.MinN < unreliableN {
					unreliableN = f.MinN
				}
			}
		}
		if noFidelity {
			cells = append(cells[:fid], cells[len(cells)-1])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	_ = tw.Flush()
	if whole {
		fmt.Fprintln(c.stdout, "(whole_dataset): trained and tested on composites, each held-out composite made from held-out images of its own class; not ranked against the other rows, whose test set is single images")
	}
	if unreliableN > 0 {
		fmt.Fprintf(c.stdout, "* unreliable: computed on too few rows (n=%d; k-NN precision/recall needs 50 of each, Fréchet 100 and more than the feature dimension)\n", unreliableN)
	}
	c.printAlerts(alerts)
	for _, k := range []string{"report_html", "leaderboard"} {
		if f := ev.Files[k]; f != "" {
			fmt.Fprintf(c.stdout, "%s: %s\n", k, f)
		}
	}
	return 0
}

// alertMark is the ALERTS cell of a leaderboard row: "HARM" when a harm
// alert is red (below real), "harm" when amber (below random
// oversampling), "caveat" for caveats only; "-" without alerts.
func alertMark(alerts []alertView) string {
	mark := "-"
	for _, a := range alerts {
		switch {
		case a.Kind == "harm" && a.Severity == "red":
			return "HARM"
		case a.Kind == "harm":
			mark = "harm"
		case mark == "-":
			mark = a.Kind
		}
	}
	return mark
}

type stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	N    int     `json:"n"`
}

func (s *stat) String() string {
	switch {
	case s == nil:
		return "-"
	case s.N <= 1:
		return fmt.Sprintf("%.3f", s.Mean)
	}
	return fmt.Sprintf("%.3f±%.3f", s.Mean, s.Std)
}

func (s stat) signed() string {
	if s.N <= 1 {
		return fmt.Sprintf("%+.3f", s.Mean)
	}
	return fmt.Sprintf("%+.3f±%.3f", s.Mean, s.Std)
}

func optNum(v *float64, format string, scale float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v*scale)
}

var _ flag.Value = (*methodFlags)(nil)
