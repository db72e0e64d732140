// Package testpg starts a real PostgreSQL server for tests: initdb into a
// temporary directory and pg_ctl start on a free loopback port, once per
// test binary. Debian's postgresql package provides the binaries
// (scripts/test installs it). Set TAILSYNTH_TEST_POSTGRES_URL to use
// another server instead.
package testpg

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

const envURL = "TAILSYNTH_TEST_POSTGRES_URL"

var (
	once    sync.Once
	base    string // server URL without a database
	stopFn  func()
	initErr error
)

// NewDatabase returns the URL of a new, empty database on the test server,
// starting the server on first use. Without PostgreSQL it fails the test
// when CI is set and skips it otherwise.
func NewDatabase(t testing.TB) string {
	t.Helper()
	once.Do(func() { base, stopFn, initErr = start() })
	if initErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL test server: %v", initErr)
		}
		t.Skipf("PostgreSQL test server: %v (run ./scripts/test, which installs it)", initErr)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", base+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return base + "/" + name + "?sslmode=disable"
}

// Main runs the tests, then stops the server if one was started.
func Main(m interface{ Run() int }) int {
	code := m.Run()
	if stopFn != nil {
		stopFn()
	}
	return code
}

func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { // highest major version first
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("initdb not found in /usr/lib/postgresql/*/bin or $PATH (apt-get install postgresql)")
}

func start() (string, func(), error) {
	if u := os.Getenv(envURL); u != "" {
		return u, nil, nil
	}
	bin, err := binDir()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "tailsynth-pg-")
	if err != nil {
		return "", nil, err
	}
	// PostgreSQL refuses to run as root: run it as the postgres user then.
	var asUser []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return "", nil, fmt.Errorf("running as root and no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", nil, err
		}
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(name string, args ...string) error {
		argv := append(append([]string{}, asUser...), filepath.Join(bin, name))
		argv = append(argv, args...)
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", name, err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"); err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200", port, dir)
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "start"); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		_ = os.RemoveAll(dir)
	}
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, _ := sql.Open("pgx", url+"/postgres?sslmode=disable")
	defer db.Close()
	for ctx.Err() == nil {
		if db.PingContext(ctx) == nil {
			return url, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("PostgreSQL on port %d did not answer", port)
}
