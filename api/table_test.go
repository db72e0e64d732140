package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailsynth/tailsynth/api"
	"github.com/tailsynth/tailsynth/generators/smotegen"
	"github.com/tailsynth/tailsynth/storage"
	"github.com/tailsynth/tailsynth/tables"
)

// fraudCSV is a small mixed table: 30 ok rows, 6 fraud rows, an ID, a
// number with a missing value, an integer, a category and a flag.
func fraudCSV() string {
	var b strings.Builder
	b.WriteString("tx,amount,items,card,online,label\n")
	for i := range 30 {
		fmt.Fprintf(&b, "ok%d,%g,%d,%s,%v,ok\n", i, 10+float64(i%7)*4, 1+i%3, []string{"debit", "credit"}[i%2], i%2 == 0)
	}
	for i := range 6 {
		amount := fmt.Sprint(600 + i*50)
		if i == 2 {
			amount = ""
		}
		fmt.Fprintf(&b, "fr%d,%s,%d,%s,true,fraud\n", i, amount, 4+i%2, []string{"credit", "prepaid"}[i%2])
	}
	return b.String()
}

func withSMOTE(v *api.V1) { v.Pipeline.Registry.Register(smotegen.Generator{}) }

// Tables over the API: a CSV table in S3 and a Parquet table on local
// storage are planned and grown with SMOTE-NC; every new row has exactly
// the requested label, and the counts are exactly the plan's.
func TestTableJobsOverHTTP(t *testing.T) {
	s := newServer(t, true, withSMOTE)
	ctx := context.Background()
	st, _, err := s.loc.Open(ctx, "s3://"+s.bucket+"/tables")
	if err != nil {
		t.Fatal(err)
	}
	data := fraudCSV()
	if _, err := st.Put(ctx, "fraud.csv", strings.NewReader(data), int64(len(data)), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s3Table := "s3://" + s.bucket + "/tables/fraud.csv"

	code, _, plan := s.do(t, "POST", "/v1/plan", fmt.Sprintf(`{"dataset": %q, "label_column": "label", "exclude_columns": ["tx"], "strategy": {"add": {"fraud": 10}}}`, s3Table))
	if code != http.StatusOK {
		t.Fatalf("plan: %d %v", code, plan)
	}
	if add := plan["add"].(map[string]any); add["fraud"] != 10.0 || plan["total"] != 10.0 {
		t.Errorf("plan add %v total %v, want 10 fraud rows", add, plan["total"])
	}
	if tbl, ok := plan["table"].(map[string]any); !ok || tbl["format"] != "csv" || tbl["rows"] != 36.0 {
		t.Errorf("plan's table %v, want a csv of 36 rows", plan["table"])
	}

	code, _, in := s.do(t, "POST", "/v1/inspect", fmt.Sprintf(`{"dataset": %q, "label_column": "label"}`, s3Table))
	if code != http.StatusOK {
		t.Fatalf("inspect: %d %v", code, in)
	}
	prof := in["table"].(map[string]any)["profile"].(map[string]any)
	classes := prof["classes"].(map[string]any)
	cols := map[string]string{}
	for _, c := range prof["columns"].([]any) {
		c := c.(map[string]any)
		cols[c["name"].(string)] = c["type"].(string) + "/" + c["role"].(string)
	}
	if classes["fraud"] != 6.0 || classes["ok"] != 30.0 || cols["amount"] != "integer/feature" || cols["card"] != "categorical/feature" ||
		cols["online"] != "boolean/feature" || cols["items"] != "integer/feature" || cols["label"] != "categorical/label" {
		t.Errorf("inspect: classes %v, columns %v", classes, cols)
	}

	for _, c := range []struct {
		name, dataset, format, dataKey string
	}{
		{"csv in S3 to S3", s3Table, "", "data.csv"},
		{"csv in S3 to parquet", s3Table, "parquet", "data.parquet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"dataset": %q, "generator": "smote", "label_column": "label", "exclude_columns": ["tx"], "output_format": %q,
				"strategy": {"add": {"fraud": 10}}, "seed": 3, "output": "s3://%s/runs"}`, c.dataset, c.format, s.bucket)
			code, _, resp := s.do(t, "POST", "/v1/jobs", body)
			if code != http.StatusAccepted {
				t.Fatalf("submit: %d %v", code, resp)
			}
			id := resp["job"].(map[string]any)["id"].(string)
			if j := s.waitJob(t, id); j["state"] != "succeeded" {
				t.Fatalf("job %v", j)
			}
			out, _, err := s.loc.Open(ctx, "s3://"+s.bucket+"/runs/"+id)
			if err != nil {
				t.Fatal(err)
			}
			rc, info, err := out.Get(ctx, c.dataKey)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			buf.ReadFrom(rc)
			rc.Close()
			labels := map[string]int{}
			if c.format == "parquet" {
				r := bytes.NewReader(buf.Bytes())
				parts := []tables.ParquetPart{{Name: c.dataKey, R: r, Size: info.Size}}
				sch, err := tables.InferParquet(parts, tables.Options{Label: "label"})
				if err != nil {
					t.Fatal(err)
				}
				rd, err := tables.NewParquetReader(parts, sch, 0)
				if err != nil {
					t.Fatal(err)
				}
				prof, err := tables.Profile(rd)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range prof.Classes {
					labels[k] = int(v)
				}
			} else {
				recs, err := csv.NewReader(&buf).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs[1:] {
					labels[r[5]]++
				}
			}
			if len(labels) != 1 || labels["fraud"] != 10 {
				t.Errorf("%s holds labels %v, want exactly 10 fraud rows", c.dataKey, labels)
			}
			if _, err := out.Stat(ctx, "_SUCCESS"); err != nil {
				t.Errorf("no _SUCCESS: %v", err)
			}
		})
	}

	// A Parquet table on local storage (made from the CSV) works the same.
	sch, err := tables.InferCSV([]tables.CSVPart{{R: strings.NewReader(data)}}, tables.Options{Label: "label"})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := tables.NewCSVReader([]tables.CSVPart{{R: strings.NewReader(data)}}, sch, 0)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(s.root, "fraud.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := tables.NewParquetWriter(f, sch)
	if err != nil {
		t.Fatal(err)
	}
	if err := tables.Each(rd, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	body := fmt.Sprintf(`{"dataset": "file://%s/fraud.parquet", "generator": "smote", "label_column": "label", "exclude_columns": ["tx"], "seed": 3}`, s.root)
	code, _, resp := s.do(t, "POST", "/v1/jobs", body)
	if code != http.StatusAccepted {
		t.Fatalf("submit parquet: %d %v", code, resp)
	}
	id := resp["job"].(map[string]any)["id"].(string)
	j := s.waitJob(t, id)
	if j["state"] != "succeeded" {
		t.Fatalf("parquet job %v", j)
	}
	if added := j["result"].(map[string]any)["added"].(map[string]any); added["fraud"] != 24.0 {
		t.Errorf("parquet job added %v, want 24 fraud rows (auto: to the 30 ok)", added)
	}
	if _, err := os.Stat(filepath.Join(s.root, "out", id, "data.parquet")); err != nil {
		t.Errorf("no data.parquet in the output (the input's format): %v", err)
	}
}

// Bad table requests get a 4xx JSON error that says what is accepted.
func TestTableBadRequests(t *testing.T) {
	s := newServer(t, false, withSMOTE)
	if err := os.WriteFile(filepath.Join(s.root, "fraud.csv"), []byte(fraudCSV()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.root, "ragged.csv"), []byte("a,b,label\n1,2,x\n3,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := "file://" + s.root + "/fraud.csv"
	for _, c := range []struct {
		name, path, body, want string
		code                   int
	}{
		{"unknown label column", "/v1/plan", `{"dataset": %q, "label_column": "class"}`, `label column "class" names no column`, 422},
		{"bad column type", "/v1/jobs", `{"dataset": %q, "generator": "smote", "label_column": "label", "column_types": {"amount": "money"}}`, "accepted: numeric", 400},
		{"bad output format", "/v1/jobs", `{"dataset": %q, "generator": "smote", "label_column": "label", "output_format": "xlsx"}`, "output_format", 400},
		{"table options without a label", "/v1/jobs", `{"dataset": %q, "generator": "smote", "exclude_columns": ["tx"]}`, "label_column", 400},
		{"ragged row", "/v1/plan", `{"dataset": "file://` + s.root + `/ragged.csv", "label_column": "label"}`, "line 3", 422},
	} {
		body := c.body
		if strings.Contains(body, "%q") {
			body = fmt.Sprintf(body, ds)
		}
		code, _, resp := s.do(t, "POST", c.path, body)
		msg := fmt.Sprint(resp["error"])
		if code != c.code || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %d %v, want %d naming %q", c.name, code, resp, c.code, c.want)
		}
	}
}
