// Command starling runs the Starling bot (Init → Run(ctx) → Stop), or backs
// up its database (starling -c config.yaml backup <file>), or moves a
// coalition to another instance (starling coalition export / import).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"starling"
	"starling/bot"
	"starling/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("starling", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("c", "", "path to the config file (default: built-in example config)")
	flags.StringVar(configPath, "config", "", "same as -c")
	generate := flags.Bool("generate-config", false, "print the documented example config and exit")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: starling [-c config.yaml]   run the bot\n       %s\n       %s\n\n", backupUsage, moveUsage)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	command, commandArgs := flags.Arg(0), []string(nil)
	if command != "" {
		// Flags may also follow the command: starling backup -c config.yaml <file>.
		if err := flags.Parse(flags.Args()[1:]); err != nil {
			return 2
		}
		commandArgs = flags.Args()
	}
	if command != "" && command != "backup" && command != "coalition" {
		fmt.Fprintf(stderr, "starling: unknown command %q\n", command)
		flags.Usage()
		return 2
	}
	if *generate {
		_, _ = stdout.Write(starling.ExampleConfig)
		return 0
	}
	cfg, err := config.Load(*configPath, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "starling: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if command == "backup" {
		return backupCommand(ctx, cfg, commandArgs, stdout, stderr)
	} else if command == "coalition" {
		return coalitionCommand(ctx, cfg, commandArgs, stdout, stderr)
	}
	return serve(ctx, cfg, stderr)
}

// serve runs the bot until a signal cancels ctx.
func serve(ctx context.Context, cfg *config.Config, stderr io.Writer) int {
	log := newLogger(cfg.Logging, stderr)
	ctx = log.WithContext(ctx)

	b := bot.New(cfg, log, bot.WithRecoveryKeyHandler(func(key string) {
		fmt.Fprintf(stderr, "\nStarling's recovery key, shown only this once. Keep it somewhere safe:\n\n    %s\n\n", key)
	}))
	if err := b.Init(ctx); err != nil {
		log.Error().Err(err).Msg("Failed to start")
		_ = b.Stop()
		return 1
	}
	runErr := b.Run(ctx)
	log.Info().Msg("Shutting down")
	stopped := make(chan error, 1)
	go func() { stopped <- b.Stop() }()
	var err error
	select {
	case err = <-stopped:
	case <-time.After(15 * time.Second):
		err = errors.New("timed out")
	}
	if err != nil {
		log.Error().Err(err).Msg("Failed to shut down cleanly")
		return 1
	}
	if runErr != nil {
		log.Error().Err(runErr).Msg("Stopped with an error")
		return 1
	}
	return 0
}

func newLogger(cfg config.Logging, out io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(cfg.Level)
	if err != nil {
		level = zerolog.InfoLevel
	}
	w := out
	if cfg.Format == "console" {
		f, isFile := out.(*os.File)
		w = zerolog.ConsoleWriter{Out: out, TimeFormat: time.DateTime, NoColor: !isFile || !isatty.IsTerminal(f.Fd())}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}
