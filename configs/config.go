// Package configs loads and validates tailsynth's configuration: defaults,
// then a YAML file (strict: unknown keys are errors), then TAILSYNTH_*
// environment variables, then command-line flags (applied by the caller).
// example.yaml in this directory documents every setting.
package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration.
type Config struct {
	// DataDir holds everything the service keeps by default: the job
	// database, local outputs and models.
	DataDir string  `yaml:"data_dir"`
	Server  Server  `yaml:"server"`
	Log     Log     `yaml:"log"`
	Storage Storage `yaml:"storage"`
	Jobs    Jobs    `yaml:"jobs"`
	Quality Quality `yaml:"quality"`
}

// Quality is what every job's quality report and every evaluation measure.
type Quality struct {
	// Judges are the utility classifiers, the headline first: "cnn" (a
	// small CNN on the images) and "logreg" (logistic regression). An
	// evaluation request's judges replace them; audio is judged by logreg.
	Judges []string `yaml:"judges"`
	// MaxTrainRows bounds the real training rows the judges train on
	// (every class subsampled at one fraction, the imbalance kept). The
	// CNN's cost grows with it: about a minute per run at 12000 rows on one
	// core, and a job's report trains it 12 times.
	MaxTrainRows int `yaml:"max_train_rows"`
}

// Server is the HTTP server.
type Server struct {
	Addr string `yaml:"addr"`
	// APIKeys are accepted bearer tokens. Required when Addr is not a
	// loopback address.
	APIKeys []string `yaml:"api_keys"`
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// ReadTimeout bounds the reading of a whole request, headers and body,
	// so a client that trickles its body cannot hold a connection.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Log is logging.
type Log struct {
	Format string `yaml:"format"` // text or json
	Level  string `yaml:"level"`  // debug, info, warn, error
}

// Storage is where datasets are read and outputs written.
type Storage struct {
	// LocalRoots are the directories below which file:// locations are
	// allowed. Default: the data directory.
	LocalRoots []string `yaml:"local_roots"`
	// DefaultOutput is the output location of jobs that name none.
	// Default: file://<data_dir>/outputs.
	DefaultOutput string `yaml:"default_output"`
	S3            S3     `yaml:"s3"`
}

// S3 is the S3-compatible server. Empty Endpoint disables s3:// locations.
type S3 struct {
	Endpoint       string   `yaml:"endpoint"`
	Region         string   `yaml:"region"`
	Secure         bool     `yaml:"secure"`
	BucketLookup   string   `yaml:"bucket_lookup"`
	AccessKey      string   `yaml:"access_key"`
	SecretKey      string   `yaml:"secret_key"`
	SessionToken   string   `yaml:"session_token"`
	PartSizeMiB    int      `yaml:"part_size_mib"`
	CreateBuckets  bool     `yaml:"create_buckets"`
	AllowedBuckets []string `yaml:"allowed_buckets"`
}

// Jobs is the job engine.
type Jobs struct {
	// Database is "" (SQLite in the data directory), a path to a SQLite
	// file, or a postgres:// URL shared by several service processes.
	Database string `yaml:"database"`
	// Workers is the number of jobs of the light generators run at once.
	Workers int `yaml:"workers"`
	// HeavyWorkers is the number of GAN trainings run at once.
	HeavyWorkers int `yaml:"heavy_workers"`
	// MaxSamples bounds the samples one job may ask for.
	MaxSamples int `yaml:"max_samples"`
	// MaxAttempts is how often a failing job is tried.
	MaxAttempts int `yaml:"max_attempts"`
	// MinScheduleInterval is the shortest time a schedule may leave
	// between two runs; 0 sets no floor.
	MinScheduleInterval time.Duration `yaml:"min_schedule_interval"`
	// StorageRetryWindow is how long a job waits for storage that does not
	// answer (an S3 endpoint down) before it fails, without spending its
	// attempts; 0 turns the wait off.
	StorageRetryWindow time.Duration `yaml:"storage_retry_window"`
	// StorageRetryMaxBackoff caps the wait between two tries of a job
	// waiting for storage (1s, 2s, 4s... doubling up to it).
	StorageRetryMaxBackoff time.Duration `yaml:"storage_retry_max_backoff"`
	// Writers is how many samples a job writes at once (an S3 PUT waits on
	// the network most of its time, so more writes than generating
	// threads are in flight); 0 means 4 per CPU and at least 8.
	Writers int `yaml:"writers"`
}

// Default returns the configuration used when nothing is set.
func Default() *Config {
	return &Config{
		DataDir: "./data",
		Server: Server{
			Addr:            "127.0.0.1:8080",
			MaxBodyBytes:    1 << 20,
			ReadTimeout:     30 * time.Second,
			IdleTimeout:     2 * time.Minute,
			ShutdownTimeout: 30 * time.Second,
		},
		Log:     Log{Format: "text", Level: "info"},
		Storage: Storage{S3: S3{BucketLookup: "auto", PartSizeMiB: 16}},
		Jobs: Jobs{Workers: 2, HeavyWorkers: 1, MaxSamples: 100000, MaxAttempts: 3, MinScheduleInterval: 5 * time.Minute,
			StorageRetryWindow: 10 * time.Minute, StorageRetryMaxBackoff: 30 * time.Second},
		Quality: Quality{Judges: []string{"cnn", "logreg"}, MaxTrainRows: 12000},
	}
}

// Load returns the defaults overlaid with the file at path (when path is
// not empty) and then with the environment. It does not validate: call
// Validate after applying flags.
func Load(path string) (*Config, error) {
	cfg := Default()
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if err := cfg.decode(f); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := cfg.ApplyEnv(os.Environ()); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Parse overlays the defaults with YAML from r (strict) and validates.
func Parse(r io.Reader) (*Config, error) {
	cfg := Default()
	if err := cfg.decode(r); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *Config) decode(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%v (see configs/example.yaml for every accepted key)", te)
		}
		return err
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return errors.New("more than one YAML document; a config file holds exactly one")
	}
	return nil
}
