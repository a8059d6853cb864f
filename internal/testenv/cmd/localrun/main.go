// Command localrun is `make run`: a local Dendrite on 127.0.0.1, a bot
// account and a demo account on it, a working config, and the bot itself,
// so a person can try Starling with any Matrix client.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"maunium.net/go/mautrix"

	"starling/internal/testenv"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "make run:", err)
		os.Exit(1)
	}
}

func run() error {
	bin := flag.String("bin", "bin/starling", "the starling binary to run")
	stateDir := flag.String("dir", ".run", "where the homeserver and bot keep their data")
	addr := flag.String("addr", "127.0.0.1:8008", "where the homeserver listens")
	buildOnly := flag.Bool("build-only", false, "only build the homeserver into the cache folder")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *buildOnly {
		dir, err := testenv.EnsureDendrite(ctx)
		if err == nil {
			fmt.Println("Dendrite", testenv.DendriteVersion, "is in", dir)
		}
		return err
	}
	state, err := filepath.Abs(*stateDir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(state, 0o700); err != nil {
		return err
	}
	fmt.Println("Starting Dendrite", testenv.DendriteVersion, "on", *addr, "(first start builds it; this takes a few minutes)…")
	hs, err := testenv.StartDendrite(ctx, testenv.DendriteOptions{Dir: filepath.Join(state, "dendrite"), Addr: *addr, OpenRegistration: true})
	if err != nil {
		return err
	}
	defer hs.Stop()

	botPassword, err := account(ctx, hs, state, "starling")
	if err != nil {
		return err
	}
	demoPassword, err := account(ctx, hs, state, "demo")
	if err != nil {
		return err
	}
	configPath := filepath.Join(state, "config.yaml")
	const monitorAddr = "127.0.0.1:9393"
	if _, err = os.Stat(configPath); errors.Is(err, os.ErrNotExist) {
		if _, err = hs.WriteBotConfig(state, testenv.BotConfig{
			Localpart: "starling", Password: botPassword, AllowServers: []string{testenv.ServerName},
			Extra: map[string]any{
				"logging":    map[string]any{"level": "info", "format": "console"},
				"encryption": map[string]any{"pickle_key": secret()},
				"monitoring": map[string]any{"listen": monitorAddr},
			},
		}); err != nil {
			return fmt.Errorf("failed to write bot config: %w", err)
		}
	}

	fmt.Printf(`
Starling is starting. Try it with any Matrix client (Element, Cinny, …):

  Homeserver:  %s
  Log in as:   demo   password: %s
  The bot:     %s
  Health:      http://%s/health (and /metrics)

Create a room (encrypted is the default), invite the bot, and type !help.
Or start a direct chat with the bot and type help. Settings are changed only
from a verified device: let your client set up cross-signing (Element asks
at the first login). Ctrl-C stops everything.
Data stays in %s between runs.

`, hs.URL, demoPassword, testenv.UserID("starling"), monitorAddr, state)

	cmd := exec.CommandContext(ctx, *bin, "-c", configPath)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	if err = cmd.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("starling stopped: %w", err)
	}
	return nil
}

// account registers localpart once and keeps its password in the state folder.
func account(ctx context.Context, hs *testenv.Dendrite, state, localpart string) (string, error) {
	path := filepath.Join(state, localpart+".password")
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	password := secret()[:16]
	if _, err := hs.Register(ctx, localpart, password); errors.Is(err, mautrix.MUserInUse) {
		return "", fmt.Errorf("account %s exists but its password file %s is gone; delete %s to start afresh", localpart, path, state)
	} else if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("failed to keep %s's password: %w", localpart, err)
	}
	return password, nil
}

func secret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
