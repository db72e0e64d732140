package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/tailsynth/tailsynth/datasets"
	"github.com/tailsynth/tailsynth/internal/testpg"
)

// The dataset registry keeps its names in the job engine's database, on
// SQLite and on PostgreSQL alike.
func TestDatasetRegistry(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { datasetRegistry(t, "") })
	t.Run("postgres", func(t *testing.T) { datasetRegistry(t, testpg.NewDatabase(t)) })
}

func datasetRegistry(t *testing.T, database string) {
	root := t.TempDir()
	eng := newEngine(t, root, &slowGen{}, database)
	defer eng.Close()
	ctx := context.Background()
	reg, err := datasets.OpenRegistry(ctx, eng.SQL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.RegisterDataset(ctx, datasets.Registered{Name: "Bad Name", Location: root}); !errors.As(err, new(*datasets.NameError)) {
		t.Errorf("bad name: %v, want a *NameError", err)
	}
	if _, err := reg.RegisterDataset(ctx, datasets.Registered{Name: "xray", Location: root + "/ds", Manifest: "m.csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.RegisterDataset(ctx, datasets.Registered{Name: "xray", Location: root}); !errors.As(err, new(*datasets.ConflictError)) {
		t.Errorf("duplicate: %v, want a *ConflictError", err)
	}
	d, err := reg.GetDataset(ctx, "xray")
	if err != nil || d.Location != root+"/ds" || d.Manifest != "m.csv" || d.CreatedAt.IsZero() {
		t.Errorf("get: %+v %v", d, err)
	}
	// Registering one name at once from many requests: one wins, the
	// others are told it is taken.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = reg.RegisterDataset(ctx, datasets.Registered{Name: "race", Location: root}) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.As(err, new(*datasets.ConflictError)):
			t.Errorf("concurrent register: %v, want success or a *ConflictError", err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent registrations of one name succeeded, want 1", won)
	}
	list, err := reg.ListDatasets(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "race" || list[1].Name != "xray" {
		t.Errorf("list: %v %v, want race and xray", list, err)
	}
	if err := reg.DeleteDataset(ctx, "xray"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DeleteDataset(ctx, "xray"); !errors.Is(err, datasets.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := reg.GetDataset(ctx, "xray"); !errors.Is(err, datasets.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
}
