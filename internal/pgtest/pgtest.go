// Package pgtest runs a throwaway PostgreSQL server on 127.0.0.1 for tests,
// from Debian's postgresql package, so the PostgreSQL code path is tested
// against the real thing.
package pgtest

import (
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
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // the postgres driver
)

// Server is a running PostgreSQL cluster.
type Server struct {
	dir  string
	port int
	bin  string
	opts string
}

var (
	once   sync.Once
	shared *Server
	err    error
)

// Shared starts one server for the whole test binary; Stop it in TestMain.
func Shared() (*Server, error) {
	once.Do(func() { shared, err = start() })
	return shared, err
}

func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	if len(dirs) == 0 {
		return "", fmt.Errorf("PostgreSQL is not installed (Debian package postgresql)")
	}
	return dirs[len(dirs)-1], nil
}

// run runs a server program, as the postgres user when we are root (the
// server refuses to run as root).
func run(bin string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func start() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "starling-pg-")
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("failed to find the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err = os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := run(filepath.Join(bin, "initdb"), "-D", data, "-U", "starling", "--auth=trust", "-N", "-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb failed: %w\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := fmt.Sprintf("-h 127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
	if out, err := run(filepath.Join(bin, "pg_ctl"), "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pg_ctl start failed: %w\n%s", err, out)
	}
	return &Server{dir: dir, port: port, bin: bin, opts: opts}, nil
}

// NewDatabase creates an empty database and returns its URI.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	uri, err := s.CreateDatabase()
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

// CreateDatabase is NewDatabase outside a test (for a homeserver that
// outlives them).
func (s *Server) CreateDatabase() (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t" + hex.EncodeToString(b)
	admin, err := sql.Open("postgres", s.uri("postgres"))
	if err != nil {
		return "", err
	}
	defer admin.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err = admin.Exec("CREATE DATABASE " + name); err == nil {
			return s.uri(name), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("failed to create a test database: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) uri(db string) string {
	return s.uriAs("starling", db)
}

func (s *Server) uriAs(role, db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", role, s.port, db)
}

// InstanceSchemas makes one new database shared by n instances, as
// docs/SCALING.md sets them up: each a role of its own that owns a schema
// of the same name and nothing else. It returns each instance's URI, in
// which the role's default search path ("$user") picks its schema.
func (s *Server) InstanceSchemas(t testing.TB, n int) []string {
	t.Helper()
	uri := s.NewDatabase(t)
	db := uri[strings.LastIndex(uri, "/")+1 : strings.Index(uri, "?")]
	admin, err := sql.Open("postgres", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var uris []string
	for range n {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		role := "instance_" + hex.EncodeToString(b)
		for _, stmt := range []string{
			"CREATE ROLE " + role + " LOGIN",
			"CREATE SCHEMA AUTHORIZATION " + role,
		} {
			if _, err = admin.Exec(stmt); err != nil {
				t.Fatalf("failed to set up an instance's schema: %v", err)
			}
		}
		uris = append(uris, s.uriAs(role, db))
	}
	return uris
}

// Grant lets the role of the instance at uri read every table in schema.
func (s *Server) Grant(t testing.TB, uri, schema string) {
	t.Helper()
	role := Role(uri)
	db := uri[strings.LastIndex(uri, "/")+1 : strings.Index(uri, "?")]
	admin, err := sql.Open("postgres", s.uri(db))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, stmt := range []string{"GRANT USAGE ON SCHEMA " + schema + " TO " + role, "GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role} {
		if _, err = admin.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
}

// Role is the role, and so the schema, of the instance at uri.
func Role(uri string) string {
	role := strings.TrimPrefix(uri, "postgres://")
	return role[:strings.Index(role, "@")]
}

// Restart stops the server as `systemctl restart` does (fast: every
// connection is cut, committed work is kept — this test server runs without
// fsync, so a crash would lose it) and starts it again on the same port.
func (s *Server) Restart() error {
	data := filepath.Join(s.dir, "data")
	if out, err := run(filepath.Join(s.bin, "pg_ctl"), "-D", data, "-o", s.opts, "-l", filepath.Join(s.dir, "log"), "-m", "fast", "-w", "-t", "60", "restart").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl restart failed: %w\n%s", err, out)
	}
	return nil
}

// PID is the server's main process (its connections are its children), 0
// when it cannot be read.
func (s *Server) PID() int {
	data, err := os.ReadFile(filepath.Join(s.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]))
	return pid
}

// Stop ends the server and removes its files.
func (s *Server) Stop() {
	_ = run(filepath.Join(s.bin, "pg_ctl"), "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(s.dir)
}
