package testenv

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix/id"
)

// BuildStarling compiles the starling binary into dir, with extra build
// tags if given (such as faultinject, for a binary tests can make fail).
// With STARLING_RACE set, the binary has the race detector, and a bot that
// reports a data race fails its test.
func BuildStarling(ctx context.Context, dir string, tags ...string) (string, error) {
	out := filepath.Join(dir, strings.Join(append([]string{"starling"}, tags...), "-"))
	args := []string{"build", "-tags", strings.Join(append([]string{"goolm"}, tags...), ","), "-o", out}
	if os.Getenv("STARLING_RACE") != "" {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/starling")...)
	cmd.Dir = moduleRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("failed to build starling: %w\n%s", err, b)
	}
	return out, nil
}

// BotConfig is what tests vary in the bot's config file; the rest is set
// for the test homeserver.
type BotConfig struct {
	Localpart    string
	Password     string
	DatabaseURI  string
	AllowUsers   []id.UserID
	AllowServers []string
	Language     string
	Extra        map[string]any
}

// WriteBotConfig writes a config for the bot into dir and returns its path.
func (d *Dendrite) WriteBotConfig(dir string, bc BotConfig) (string, error) {
	if bc.DatabaseURI == "" {
		bc.DatabaseURI = "file:" + filepath.Join(dir, "starling.db") + "?_txlock=immediate"
	}
	if bc.Language == "" {
		bc.Language = "en"
	}
	cfg := map[string]any{
		"homeserver":  map[string]any{"url": d.URL},
		"bot":         map[string]any{"user_id": UserID(bc.Localpart).String(), "password": bc.Password, "device_name": "Starling test"},
		"database":    map[string]any{"uri": bc.DatabaseURI},
		"encryption":  map[string]any{"pickle_key": "test-pickle-key-0123456789"},
		"invites":     map[string]any{"allow_users": nonNil(bc.AllowUsers), "allow_servers": nonNil(bc.AllowServers)},
		"defaults":    map[string]any{"language": bc.Language, "timezone": "UTC"},
		"logging":     map[string]any{"level": "debug", "format": "json"},
		"permissions": map[string]any{"moderator_level": 50},
		// A free port each: MonitorURL reads it back from the log.
		"monitoring": map[string]any{"listen": "127.0.0.1:0"},
	}
	for k, v := range bc.Extra {
		cfg[k] = v
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "config.yaml")
	return path, os.WriteFile(path, data, 0o600)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Bot is a running starling process.
type Bot struct {
	t     testing.TB
	cmd   *exec.Cmd
	done  chan struct{}
	mu    sync.Mutex
	lines []string
}

// StartBot runs the binary with the config and waits until it is ready.
func StartBot(t testing.TB, bin, configPath string) *Bot {
	t.Helper()
	cmd := exec.Command(bin, "-c", configPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{t: t, cmd: cmd, done: make(chan struct{})}
	if err = cmd.Start(); err != nil {
		t.Fatalf("failed to start starling: %v", err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		b.collect(pipe)
	}()
	go func() { <-read; _ = cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		b.Kill()
		if slices.ContainsFunc(b.Lines(), func(l string) bool { return strings.Contains(l, "WARNING: DATA RACE") }) {
			t.Error("the bot's race detector found a data race")
		}
		if t.Failed() {
			t.Logf("starling's log:\n%s", strings.Join(b.Lines(), "\n"))
		}
	})
	b.WaitLog("Starling is ready", 60*time.Second)
	return b
}

func (b *Bot) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		b.mu.Lock()
		b.lines = append(b.lines, sc.Text())
		b.mu.Unlock()
	}
}

// Lines returns everything the bot has written to stderr.
func (b *Bot) Lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...)
}

// LogEntries parses the bot's JSON log lines.
func (b *Bot) LogEntries() []map[string]any {
	var out []map[string]any
	for _, l := range b.Lines() {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// WaitLog waits for a log message; it fails the test if the bot exits first.
func (b *Bot) WaitLog(msg string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, e := range b.LogEntries() {
			if e["message"] == msg {
				return
			}
		}
		select {
		case <-b.done:
			b.t.Fatalf("starling exited while waiting for %q:\n%s", msg, strings.Join(b.Lines(), "\n"))
		default:
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %q:\n%s", msg, strings.Join(b.Lines(), "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MonitorURL is the base URL of the bot's health and metrics server.
func (b *Bot) MonitorURL() string {
	b.t.Helper()
	b.WaitLog("Serving health and metrics", 10*time.Second)
	for _, e := range b.LogEntries() {
		if addr, ok := e["address"].(string); ok && e["message"] == "Serving health and metrics" {
			return "http://" + addr
		}
	}
	b.t.Fatal("the bot did not say where it serves health and metrics")
	return ""
}

// Stop asks the bot to shut down (SIGTERM) and waits; it returns the exit code.
func (b *Bot) Stop() int {
	b.t.Helper()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(20 * time.Second):
		b.t.Fatalf("starling did not stop on SIGTERM")
	}
	return b.cmd.ProcessState.ExitCode()
}

// Kill ends the bot at once (SIGKILL), as a crash would.
func (b *Bot) Kill() {
	if b.cmd.ProcessState == nil {
		_ = b.cmd.Process.Kill()
		<-b.done
	}
}

// Running tells whether the process is still the one started.
func (b *Bot) Running() bool {
	select {
	case <-b.done:
		return false
	default:
		return true
	}
}

// PID is the bot's process id.
func (b *Bot) PID() int { return b.cmd.Process.Pid }
