package configs_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tailsynth/tailsynth/configs"
)

func TestBadFiles(t *testing.T) {
	// Each bad file must fail with an error that names the field (or the
	// problem) given here.
	cases := map[string]string{
		"unknown_key.bad.yml":              "field adr not found",
		"unknown_nested.bad.yml":           "field extra not found",
		"bad_addr.bad.yml":                 `server.addr: "nonsense"`,
		"open_nonloopback.bad.yml":         "server.api_keys: none set",
		"short_key.bad.yml":                "at least 16 characters",
		"wrong_type.bad.yml":               "cannot unmarshal !!str `lots`",
		"zero_timeout.bad.yml":             "server.shutdown_timeout: 0s",
		"read_timeout.bad.yml":             "server.read_timeout: 0s is not accepted; accepted: 1s to 10m",
		"idle_timeout.bad.yml":             "server.idle_timeout: 2h0m0s is not accepted; accepted: 1s to 1h",
		"schedule_floor.bad.yml":           "jobs.min_schedule_interval: -1m0s is not accepted; accepted: 0s (no floor) to 24h",
		"storage_retry_window.bad.yml":     "jobs.storage_retry_window: -5m0s is not accepted; accepted: 0s (jobs do not wait for storage) to 24h",
		"storage_retry_backoff.bad.yml":    "jobs.storage_retry_max_backoff: 0s is not accepted; accepted: 1s to 1h",
		"log_format.bad.yml":               `log.format: "xml" is not accepted; accepted: text, json`,
		"log_level.bad.yml":                `log.level: "loud"`,
		"relative_root.bad.yml":            "storage.local_roots[0]",
		"default_output.bad.yml":           `unsupported scheme "ftp"`,
		"bucket_lookup.bad.yml":            "accepted: auto, path, virtual-host",
		"half_creds.bad.yml":               "set both access_key and secret_key",
		"part_size.bad.yml":                "storage.s3.part_size_mib: 1",
		"bucket_name.bad.yml":              "storage.s3.allowed_buckets[0]",
		"buckets_without_endpoint.bad.yml": "storage.s3.endpoint is empty",
		"workers.bad.yml":                  "jobs.workers: 0 is not accepted; accepted: 1 to 64",
		"writers.bad.yml":                  "jobs.writers: 1000 is not accepted; accepted: 0 to 256",
		"judges.bad.yml":                   `quality.judges[1]: "svm" is not accepted; accepted: "cnn"`,
		"max_train_rows.bad.yml":           "quality.max_train_rows: 10 is not accepted; accepted: 100 to 1000000",
		"database.bad.yml":                 `jobs.database: "mysql://x"`,
		"two_docs.bad.yml":                 "more than one YAML document",
		"wrong_shape.bad.yml":              "cannot unmarshal !!seq",
	}
	files, _ := filepath.Glob("testdata/*.bad.yml")
	if len(files) != len(cases) {
		t.Errorf("%d bad files in testdata, %d cases: keep them in step", len(files), len(cases))
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = configs.Parse(f)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", want)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error = %q, want it to contain %q", err, want)
			}
		})
	}
}

func TestExampleIsDefaults(t *testing.T) {
	f, err := os.Open("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := configs.Parse(f)
	if err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
	want := configs.Default()
	want.Server.APIKeys, want.Storage.LocalRoots, want.Storage.S3.AllowedBuckets = []string{}, []string{}, []string{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml differs from Default():\n got %+v\nwant %+v", got, want)
	}
	if err := configs.Default().Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestGoodFile(t *testing.T) {
	f, err := os.Open("testdata/good_s3.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := configs.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Storage.S3.Endpoint != "http://127.0.0.1:7070" || c.Server.Addr != "0.0.0.0:9090" || c.Storage.S3.PartSizeMiB != 16 {
		t.Errorf("parsed %+v", c)
	}
}

func TestEnv(t *testing.T) {
	c := configs.Default()
	err := c.ApplyEnv([]string{
		"TAILSYNTH_SERVER_ADDR=127.0.0.1:9999",
		"TAILSYNTH_SERVER_API_KEYS=aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb",
		"TAILSYNTH_SERVER_SHUTDOWN_TIMEOUT=5s",
		"TAILSYNTH_STORAGE_S3_CREATE_BUCKETS=true",
		"TAILSYNTH_JOBS_WORKERS=4",
		"TAILSYNTH_JOBS_STORAGE_RETRY_WINDOW=30m",
		"TAILSYNTH_TEST_S3_ENDPOINT=ignored",
		"PATH=/bin",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:9999" || len(c.Server.APIKeys) != 2 || c.Server.APIKeys[1] != "bbbbbbbbbbbbbbbb" ||
		c.Server.ShutdownTimeout != 5*time.Second || !c.Storage.S3.CreateBuckets || c.Jobs.Workers != 4 ||
		c.Jobs.StorageRetryWindow != 30*time.Minute {
		t.Errorf("env not applied: %+v", c)
	}
	for _, bad := range []string{"TAILSYNTH_SERVER_ADR=x", "TAILSYNTH_JOBS_WORKERS=two", "TAILSYNTH_STORAGE_S3_SECURE=maybe", "TAILSYNTH_SERVER_SHUTDOWN_TIMEOUT=5"} {
		if err := configs.Default().ApplyEnv([]string{bad}); err == nil {
			t.Errorf("ApplyEnv(%q) succeeded, want an error", bad)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true,
		":8080": false, "0.0.0.0:80": false, "10.0.0.1:80": false, "garbage": false,
	} {
		if got := configs.IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
