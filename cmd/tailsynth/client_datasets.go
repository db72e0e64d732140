package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tailsynth/tailsynth/cmd/tailsynth/internal/client"
)

func (c *cli) inspect(ctx context.Context, args []string) int {
	fs, cn := c.flags("inspect", "inspect DATASET [--manifest KEY] [--header-sample N] [--label-column C ...]")
	manifest := fs.String("manifest", "", "manifest key inside the dataset")
	sample := fs.Int("header-sample", -1, "files per class whose headers are read; 0 for all (default: the server's, 50)")
	tf := addTableFlags(fs, false)
	pos, code, ok := c.parseN(fs, args, "DATASET")
	if !ok {
		return code
	}
	body, err := tableBody(tf, datasetArg(pos[0]))
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	if *manifest != "" {
		body["manifest"] = *manifest
	}
	if *sample >= 0 {
		body["header_sample"] = *sample
	}
	return c.call(ctx, cn, client.Request{Method: http.MethodPost, Path: "/v1/inspect", Body: body})
}

func (c *cli) plan(ctx context.Context, args []string) int {
	fs, cn := c.flags("plan", "plan DATASET [--strategy S] [--manifest KEY] [--label-column C ...]")
	manifest := fs.String("manifest", "", "manifest key inside the dataset")
	strategy := fs.String("strategy", "", "sampling `strategy` (default auto): "+strategyFormsHelp)
	tf := addTableFlags(fs, false)
	pos, code, ok := c.parseN(fs, args, "DATASET")
	if !ok {
		return code
	}
	body, err := tableBody(tf, datasetArg(pos[0]))
	if err != nil {
		return c.usageError(fs, "%v", err)
	}
	if *manifest != "" {
		body["manifest"] = *manifest
	}
	if *strategy != "" {
		s, err := parseStrategy(*strategy)
		if err != nil {
			return c.usageError(fs, "--strategy: %v", err)
		}
		body["strategy"] = s
	}
	return c.call(ctx, cn, client.Request{Method: http.MethodPost, Path: "/v1/plan", Body: body})
}

// tableBody is a request body naming dataset, with the table flags set.
func tableBody(tf *tableFlags, dataset string) (map[string]any, error) {
	tr, err := tf.request()
	if err != nil {
		return nil, err
	}
	body := map[string]any{"dataset": dataset}
	if tr.LabelColumn != "" {
		body["label_column"] = tr.LabelColumn
	}
	if tr.ColumnTypes != nil {
		body["column_types"] = tr.ColumnTypes
	}
	if tr.ExcludeColumns != nil {
		body["exclude_columns"] = tr.ExcludeColumns
	}
	return body, nil
}

func (c *cli) generators(ctx context.Context, args []string) int {
	fs, cn := c.flags("generators", "generators [--json]")
	asJSON := fs.Bool("json", false, "print the answer as JSON (with each parameter's type, default and description)")
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	b, ok := c.get(ctx, cn, "/v1/generators")
	if !ok {
		return 1
	}
	if *asJSON {
		return c.printJSON(b)
	}
	var list struct {
		Generators []struct {
			Name        string   `json:"name"`
			Description string   `json:"description"`
			Kinds       []string `json:"kinds"`
			Params      []struct {
				Name        string          `json:"name"`
				Default     json.RawMessage `json:"default"`
				Description string          `json:"description"`
			} `json:"params"`
		} `json:"generators"`
		MaxSamples int `json:"max_samples_per_job"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return c.fail(fmt.Errorf("reading the generator list: %w", err))
	}
	// One block per generator: a line that names it, then a table of its
	// parameters with their defaults ("-": none).
	for i, g := range list.Generators {
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintf(c.stdout, "%s (%s): %s\n", g.Name, strings.Join(g.Kinds, ", "), g.Description)
		if len(g.Params) == 0 {
			fmt.Fprintln(c.stdout, "  no parameters")
			continue
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  PARAM\tDEFAULT\tDESCRIPTION")
		for _, p := range g.Params {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", p.Name, defaultText(p.Default), p.Description)
		}
		_ = tw.Flush()
	}
	if list.MaxSamples > 0 {
		fmt.Fprintf(c.stderr, "at most %d samples per job\n", list.MaxSamples)
	}
	return 0
}

// defaultText shows a parameter's default: a string as it is, anything
// else as compact JSON, "-" when there is none.
func defaultText(raw json.RawMessage) string {
	var s string
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "-"
	case json.Unmarshal(raw, &s) == nil:
		if s == "" {
			return `""`
		}
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

var datasetsCommands = map[string]subcommand{
	"register": {"register a name for a dataset location", (*cli).datasetsRegister},
	"list":     {"list the registered datasets", (*cli).datasetsList},
	"get":      {"show a registered dataset", (*cli).datasetsGet},
	"delete":   {"forget a dataset name (its files stay)", (*cli).datasetsDelete},
}

func (c *cli) datasets(ctx context.Context, args []string) int {
	return c.group(ctx, "datasets", datasetsCommands, args)
}

func (c *cli) datasetsRegister(ctx context.Context, args []string) int {
	fs, cn := c.flags("datasets register", "datasets register NAME LOCATION [--manifest KEY] [--description TEXT]")
	manifest := fs.String("manifest", "", "manifest key inside the dataset")
	desc := fs.String("description", "", "free text")
	pos, code, ok := c.parseN(fs, args, "NAME", "LOCATION")
	if !ok {
		return code
	}
	body := map[string]string{"name": pos[0], "location": locationArg(pos[1]), "manifest": *manifest, "description": *desc}
	return c.call(ctx, cn, client.Request{Method: http.MethodPost, Path: "/v1/datasets", Body: body})
}

func (c *cli) datasetsList(ctx context.Context, args []string) int {
	fs, cn := c.flags("datasets list", "datasets list [--json]")
	asJSON := fs.Bool("json", false, "print the answer as JSON instead of a table")
	if _, code, ok := c.parseN(fs, args); !ok {
		return code
	}
	b, ok := c.get(ctx, cn, "/v1/datasets")
	if !ok {
		return 1
	}
	if *asJSON {
		return c.printJSON(b)
	}
	var list struct {
		Datasets []struct {
			Name        string    `json:"name"`
			Location    string    `json:"location"`
			Manifest    string    `json:"manifest"`
			Description string    `json:"description"`
			CreatedAt   time.Time `json:"created_at"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return c.fail(fmt.Errorf("reading the dataset list: %w", err))
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLOCATION\tMANIFEST\tCREATED\tDESCRIPTION")
	for _, d := range list.Datasets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Name, d.Location, orDash(d.Manifest), d.CreatedAt.Local().Format("2006-01-02 15:04"), d.Description)
	}
	_ = tw.Flush()
	return 0
}

func (c *cli) datasetsGet(ctx context.Context, args []string) int {
	fs, cn := c.flags("datasets get", "datasets get NAME")
	pos, code, ok := c.parseN(fs, args, "NAME")
	if !ok {
		return code
	}
	return c.call(ctx, cn, client.Request{Method: http.MethodGet, Path: "/v1/datasets/" + url.PathEscape(pos[0])})
}

func (c *cli) datasetsDelete(ctx context.Context, args []string) int {
	fs, cn := c.flags("datasets delete", "datasets delete NAME")
	pos, code, ok := c.parseN(fs, args, "NAME")
	if !ok {
		return code
	}
	if code := c.call(ctx, cn, client.Request{Method: http.MethodDelete, Path: "/v1/datasets/" + url.PathEscape(pos[0])}); code != 0 {
		return code
	}
	fmt.Fprintf(c.stderr, "deleted dataset %s\n", pos[0])
	return 0
}

// get fetches path, printing the error and returning false on failure.
func (c *cli) get(ctx context.Context, cn *conn, path string) ([]byte, bool) {
	cl, err := c.client(cn)
	if err != nil {
		c.fail(err)
		return nil, false
	}
	b, err := cl.Do(ctx, client.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		c.fail(err)
		return nil, false
	}
	return b, true
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
