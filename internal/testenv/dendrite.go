// Package testenv runs real parts for Starling's integration tests and for
// `make run`: a Dendrite homeserver on 127.0.0.1, registered users with their
// own end-to-end encryption, and the starling binary itself.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix/id"
)

// DendriteVersion is the homeserver every test runs against.
const DendriteVersion = "v0.15.2"

// ServerName is the homeserver's name: user ids are @name:localhost.
const ServerName = "localhost"

// CacheDir is where built tools are kept between runs.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("failed to find cache folder: %w", err)
	}
	return filepath.Join(base, "starling"), nil
}

// moduleRoot finds Starling's go.mod from this source file.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// EnsureDendrite builds Dendrite once into the cache folder and returns the
// folder holding its binaries. Concurrent callers wait for one build.
func EnsureDendrite(ctx context.Context) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "dendrite-"+DendriteVersion+"-"+runtime.Version())
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("failed to create cache folder: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("failed to open build lock: %w", err)
	}
	defer lock.Close()
	if err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("failed to take build lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	names := []string{"dendrite", "generate-config", "generate-keys"}
	missing := false
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			missing = true
		}
	}
	if !missing {
		return dir, nil
	}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "github.com/element-hq/dendrite/cmd/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Join(moduleRoot(), "internal", "testenv", "tools")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("failed to build Dendrite: %w\n%s", err, out)
	}
	return dir, nil
}

// Dendrite is a running homeserver.
type Dendrite struct {
	URL          string
	SharedSecret string
	Dir          string
	bin          string
	opts         DendriteOptions
	cmd          *exec.Cmd
	done         chan struct{}
	logFile      *os.File
}

// DendriteOptions choose where and how a homeserver runs.
type DendriteOptions struct {
	// Dir keeps the homeserver's databases and keys; reused if it exists.
	Dir string
	// Addr to listen on; empty picks a free port on 127.0.0.1.
	Addr string
	// OpenRegistration lets anyone register from a client (for `make run`).
	OpenRegistration bool
	// DatabaseURI puts every homeserver database on PostgreSQL, as
	// Dendrite advises for real use; empty: SQLite files in Dir.
	DatabaseURI string
}

// StartDendrite starts a homeserver and waits until it answers.
func StartDendrite(ctx context.Context, opts DendriteOptions) (*Dendrite, error) {
	bin, err := EnsureDendrite(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Addr == "" {
		if opts.Addr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	if err = os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create homeserver folder: %w", err)
	}
	secret, err := writeDendriteConfig(ctx, bin, opts)
	if err != nil {
		return nil, err
	}
	d := &Dendrite{URL: "http://" + opts.Addr, SharedSecret: secret, Dir: opts.Dir, bin: bin, opts: opts}
	if err = d.launch(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// launch starts the homeserver process and waits until it answers.
func (d *Dendrite) launch(ctx context.Context) error {
	logFile, err := os.OpenFile(filepath.Join(d.Dir, "dendrite.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("failed to open homeserver log: %w", err)
	}
	args := []string{"--config", filepath.Join(d.Dir, "dendrite.yaml"), "--http-bind-address", d.opts.Addr}
	if d.opts.OpenRegistration {
		args = append(args, "--really-enable-open-registration")
	}
	cmd := exec.Command(filepath.Join(d.bin, "dendrite"), args...)
	cmd.Dir = d.Dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err = cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("failed to start Dendrite: %w", err)
	}
	d.cmd, d.done, d.logFile = cmd, make(chan struct{}), logFile
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(d.done)
	if err = d.waitReady(ctx, 60*time.Second); err != nil {
		d.Stop()
		return err
	}
	return nil
}

// Start starts a stopped homeserver again, on the same address and data;
// a running one is left as it is.
func (d *Dendrite) Start(ctx context.Context) error {
	select {
	case <-d.done:
		return d.launch(ctx)
	default:
		return nil
	}
}

// Freeze stops the homeserver's process (SIGSTOP): connections are
// accepted by the kernel and never answered, as with a hung server.
func (d *Dendrite) Freeze() error { return d.cmd.Process.Signal(syscall.SIGSTOP) }

// Thaw lets a frozen homeserver run again.
func (d *Dendrite) Thaw() error { return d.cmd.Process.Signal(syscall.SIGCONT) }

// RateLimit sets the homeserver's rate limiting — on: threshold requests
// per device within cooloff, exempt users apart; off: threshold 0 — and
// restarts it.
func (d *Dendrite) RateLimit(ctx context.Context, threshold int, cooloff time.Duration, exempt ...id.UserID) error {
	path := filepath.Join(d.Dir, "dendrite.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("failed to read homeserver config: %w", err)
	}
	var cfg map[string]any
	if err = yaml.Unmarshal(data, &cfg); err != nil {
		return fmt.Errorf("failed to parse homeserver config: %w", err)
	}
	ids := make([]string, len(exempt))
	for i, u := range exempt {
		ids[i] = u.String()
	}
	clientAPI, _ := cfg["client_api"].(map[string]any)
	clientAPI["rate_limiting"] = map[string]any{"enabled": threshold > 0, "threshold": max(threshold, 1), "cooloff_ms": cooloff.Milliseconds(), "exempt_user_ids": ids}
	if data, err = yaml.Marshal(cfg); err != nil {
		return fmt.Errorf("failed to write homeserver config: %w", err)
	}
	if err = os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("failed to write homeserver config: %w", err)
	}
	d.Stop()
	return d.Start(ctx)
}

func (d *Dendrite) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			out, _ := os.ReadFile(filepath.Join(d.Dir, "dendrite.out"))
			return fmt.Errorf("dendrite exited during start:\n%s", tail(out, 3000))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := http.Get(d.URL + "/_matrix/client/versions")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("dendrite did not answer in time")
}

// Stop ends the homeserver.
func (d *Dendrite) Stop() {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Signal(syscall.SIGCONT) // a frozen server cannot stop
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			_ = d.cmd.Process.Kill()
			<-d.done
		}
	}
	d.logFile.Close()
}

// writeDendriteConfig writes dendrite.yaml and the signing key once per
// folder, closed to everything but 127.0.0.1: no federation, no key
// perspectives, no phoning home.
func writeDendriteConfig(ctx context.Context, bin string, opts DendriteOptions) (string, error) {
	dir := opts.Dir
	path := filepath.Join(dir, "dendrite.yaml")
	if data, err := os.ReadFile(path); err == nil {
		var cfg struct {
			ClientAPI struct {
				Secret string `yaml:"registration_shared_secret"`
			} `yaml:"client_api"`
		}
		if err = yaml.Unmarshal(data, &cfg); err != nil {
			return "", fmt.Errorf("failed to read homeserver config: %w", err)
		}
		return cfg.ClientAPI.Secret, nil
	}
	keyPath := filepath.Join(dir, "matrix_key.pem")
	if out, err := exec.CommandContext(ctx, filepath.Join(bin, "generate-keys"), "-private-key", keyPath).CombinedOutput(); err != nil {
		return "", fmt.Errorf("failed to generate homeserver key: %w\n%s", err, out)
	}
	args := []string{"-ci", "-dir", dir}
	if opts.DatabaseURI != "" {
		args = append(args, "-db", opts.DatabaseURI)
	}
	generated, err := exec.CommandContext(ctx, filepath.Join(bin, "generate-config"), args...).Output()
	if err != nil {
		return "", fmt.Errorf("failed to generate homeserver config: %w", err)
	}
	var cfg map[string]any
	if err = yaml.Unmarshal(generated, &cfg); err != nil {
		return "", fmt.Errorf("failed to parse homeserver config: %w", err)
	}
	secretBytes := make([]byte, 16)
	_, _ = rand.Read(secretBytes)
	secret := hex.EncodeToString(secretBytes)
	set := func(value any, path ...string) {
		m := cfg
		for _, p := range path[:len(path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[path[len(path)-1]] = value
	}
	set(ServerName, "global", "server_name")
	set(keyPath, "global", "private_key")
	set(true, "global", "disable_federation")
	set([]string{}, "global", "trusted_third_party_id_servers")
	set(false, "global", "presence", "enable_inbound")
	set(false, "global", "presence", "enable_outbound")
	set(false, "global", "report_stats", "enabled")
	set(false, "global", "server_notices", "enabled")
	set([]any{}, "federation_api", "key_perspectives")
	set(false, "sync_api", "search", "enabled")
	// generate-config -ci keeps the homeserver's internal queue in memory: a
	// stop then loses events it had acknowledged to their sender but not yet
	// passed on to sync and /messages, which no real deployment does.
	set(false, "global", "jetstream", "in_memory")
	set(filepath.Join(dir, "jetstream"), "global", "jetstream", "storage_path")
	set(secret, "client_api", "registration_shared_secret")
	set(!opts.OpenRegistration, "client_api", "registration_disabled")
	if opts.DatabaseURI != "" {
		// Leave the PostgreSQL server connections for the bot's database.
		set(40, "global", "database", "max_open_conns")
		set(40, "global", "database", "max_idle_conns")
	}
	set(false, "client_api", "rate_limiting", "enabled")
	set([]string{}, "mscs", "mscs")
	set([]any{map[string]any{"type": "file", "level": "warn", "params": map[string]any{"path": filepath.Join(dir, "log")}}}, "logging")
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("failed to write homeserver config: %w", err)
	}
	if err = os.WriteFile(path, out, 0o600); err != nil {
		return "", fmt.Errorf("failed to write homeserver config: %w", err)
	}
	return secret, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("failed to find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func tail(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.ToValidUTF8(string(b), "")
}

// PID is the homeserver's process id.
func (d *Dendrite) PID() int { return d.cmd.Process.Pid }
