package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/generators"
)

// DatasetRegistry is what the dataset routes need: the registered
// datasets, which the job, plan and schedule routes also resolve names
// against.
type DatasetRegistry interface {
	RegisterDataset(ctx context.Context, d datasets.Registered) (*datasets.Registered, error)
	GetDataset(ctx context.Context, name string) (*datasets.Registered, error)
	ListDatasets(ctx context.Context) ([]*datasets.Registered, error)
	DeleteDataset(ctx context.Context, name string) error
}

// datasetRef names a dataset: a location URI or a registered name.
type datasetRef struct {
	Dataset  string `json:"dataset"`
	Manifest string `json:"manifest,omitempty"`
}

// resolveDataset turns a registered name into its location, and checks a
// location against the storage policy.
func (v *V1) resolveDataset(ctx context.Context, ref datasetRef) (datasetRef, error) {
	if ref.Dataset == "" {
		return ref, Errorf(http.StatusBadRequest, CodeValidation, "dataset is required: a location (s3://bucket/prefix, file:///path) or the name of a registered dataset")
	}
	if !strings.Contains(ref.Dataset, "://") && !strings.HasPrefix(ref.Dataset, "/") {
		d, err := v.Datasets.GetDataset(ctx, ref.Dataset)
		if err != nil {
			names := []string{}
			if list, err := v.Datasets.ListDatasets(ctx); err == nil {
				for _, d := range list {
					names = append(names, d.Name)
				}
			}
			return ref, Errorf(http.StatusNotFound, CodeNotFound, "dataset %q is neither a location (s3://..., file:///...) nor a registered dataset (registered: %s)",
				ref.Dataset, strings.Join(append(names, "none")[:max(1, len(names))], ", "))
		}
		if ref.Manifest == "" {
			ref.Manifest = d.Manifest
		}
		ref.Dataset = d.Location
	}
	loc, err := v.Resolve(ref.Dataset)
	if err != nil {
		return ref, err
	}
	ref.Dataset = loc.String()
	return ref, nil
}

type registerRequest struct {
	Name        string `json:"name"`
	Location    string `json:"location"`
	Manifest    string `json:"manifest"`
	Description string `json:"description"`
}

func (v *V1) registerDataset(c *gin.Context) (int, any, error) {
	var req registerRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	if req.Location == "" {
		return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "location is required (s3://bucket/prefix or file:///path)")
	}
	loc, err := v.Resolve(req.Location)
	if err != nil {
		return 0, nil, err
	}
	d, err := v.Datasets.RegisterDataset(c.Request.Context(), datasets.Registered{Name: req.Name, Location: loc.String(), Manifest: req.Manifest, Description: req.Description})
	if err != nil {
		return 0, nil, err
	}
	c.Header("Location", "/v1/datasets/"+d.Name)
	return http.StatusCreated, d, nil
}

func (v *V1) listDatasets(c *gin.Context) (int, any, error) {
	list, err := v.Datasets.ListDatasets(c.Request.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"datasets": nonNil(list)}, nil
}

func (v *V1) getDataset(c *gin.Context) (int, any, error) {
	d, err := v.Datasets.GetDataset(c.Request.Context(), c.Param("name"))
	if err != nil {
		return 0, nil, notFound(err, "dataset", c.Param("name"))
	}
	return http.StatusOK, d, nil
}

func (v *V1) deleteDataset(c *gin.Context) (int, any, error) {
	if err := v.Datasets.DeleteDataset(c.Request.Context(), c.Param("name")); err != nil {
		return 0, nil, notFound(err, "dataset", c.Param("name"))
	}
	return http.StatusNoContent, nil, nil
}

type inspectRequest struct {
	datasetRef
	// HeaderSample is how many files per class get their headers read
	// (default 50, 0 for all).
	HeaderSample *int `json:"header_sample"`
	// Tables (a .csv or .parquet file, or label_column for a folder of
	// part files): the class column and column overrides, as for jobs.
	LabelColumn    string            `json:"label_column,omitempty"`
	ColumnTypes    map[string]string `json:"column_types,omitempty"`
	ExcludeColumns []string          `json:"exclude_columns,omitempty"`
}

func (v *V1) inspect(c *gin.Context) (int, any, error) {
	var req inspectRequest
	if err := decodeJSON(c, &req); err != nil {
		return 0, nil, err
	}
	ref, err := v.resolveDataset(c.Request.Context(), req.datasetRef)
	if err != nil {
		return 0, nil, err
	}
	if _, file := datasets.SplitTableLocation(ref.Dataset); file != "" || req.LabelColumn != "" {
		spec := generators.Spec{Dataset: ref.Dataset, TableOptions: generators.TableOptions{
			LabelColumn: req.LabelColumn, ColumnTypes: req.ColumnTypes, ExcludeColumns: req.ExcludeColumns}}
		if _, err := spec.TablesOptions(); err != nil {
			return 0, nil, err
		}
		in, err := v.Pipeline.InspectTable(c.Request.Context(), spec)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, gin.H{"dataset": ref.Dataset, "table": in}, nil
	}
	n := 50
	if req.HeaderSample != nil {
		if *req.HeaderSample < 0 {
			return 0, nil, Errorf(http.StatusBadRequest, CodeValidation, "header_sample %d must be 0 (all files) or more", *req.HeaderSample)
		}
		n = *req.HeaderSample
	}
	st, err := v.Pipeline.Open(c.Request.Context(), ref.Dataset)
	if err != nil {
		return 0, nil, err
	}
	ds, err := datasets.Scan(c.Request.Context(), st, datasets.ScanOptions{Manifest: ref.Manifest})
	if err != nil {
		return 0, nil, fmt.Errorf("dataset %s: %w", ref.Dataset, err)
	}
	in, err := datasets.Inspect(c.Request.Context(), st, ds, n)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, gin.H{"dataset": ref.Dataset, "inspection": in}, nil
}
