package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/id"

	"starling/config"
	"starling/database"
)

// moveUsage explains the two halves of moving a coalition between instances.
const moveUsage = "starling [-c config.yaml] coalition export <coalition id or name> <@bot:server it moves to> <file>\n" +
	"       starling [-c config.yaml] coalition import <file>"

// coalitionCommand moves a coalition to another instance (docs/SCALING.md):
// export on the instance that serves it, import on the one that will.
func coalitionCommand(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	var err error
	switch {
	case len(args) == 4 && args[0] == "export":
		err = exportCoalition(ctx, cfg, args[1], id.UserID(args[2]), args[3], stdout)
	case len(args) == 2 && args[0] == "import":
		err = importCoalition(ctx, cfg, args[1], stdout)
	default:
		fmt.Fprintf(stderr, "usage: %s\n", moveUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "starling coalition %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func openForMove(ctx context.Context, cfg *config.Config) (*database.Database, func(), error) {
	dialect, err := cfg.Database.Dialect()
	if err != nil {
		return nil, nil, err
	}
	raw, err := database.Open(cfg.Database.URI, dialect, 1)
	if err != nil {
		return nil, nil, err
	}
	db := database.New(raw, zerolog.Nop())
	if err = db.Upgrade(ctx); err != nil {
		_ = raw.Close()
		return nil, nil, err
	}
	return db, func() { _ = raw.Close() }, nil
}

func exportCoalition(ctx context.Context, cfg *config.Config, name string, to id.UserID, path string, stdout io.Writer) error {
	if _, _, err := to.Parse(); err != nil || to == cfg.Bot.UserID {
		return fmt.Errorf("%q is not another bot's user id", to)
	}
	db, done, err := openForMove(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	found, err := db.Coalition.Named(ctx, name)
	if err != nil {
		return err
	}
	switch {
	case len(found) == 0:
		return fmt.Errorf("no coalition with the id or name %q", name)
	case len(found) > 1:
		return fmt.Errorf("%d coalitions are named %q: give the id", len(found), name)
	}
	var rooms int
	err = db.ExportCoalition(ctx, found[0].ID, cfg.Bot.UserID, to, time.Now(), func(m *database.Move) error {
		rooms = len(m.Rooms)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(m); err != nil {
			return err
		}
		// The file holds settings and glossary terms that were written in
		// encrypted rooms: it is as private as the database.
		f, err := createExclusive(path)
		if err != nil {
			return err
		}
		if _, err = f.Write(buf.Bytes()); err != nil {
			_ = f.Close()
			_ = os.Remove(path)
			return fmt.Errorf("failed to write %s: %w", path, err)
		}
		return f.Close()
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Exported coalition %q (%d rooms) to %s for %s.\n"+
		"Next: import it there (starling coalition import %s), start that bot, then start this one: it invites %s into each room and leaves.\n",
		found[0].Name, rooms, path, to, path, to)
	return nil
}

func importCoalition(ctx context.Context, cfg *config.Config, path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var m database.Move
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err = dec.Decode(&m); err != nil {
		return fmt.Errorf("%s is not a coalition's move: %w", path, err)
	}
	db, done, err := openForMove(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	if err = db.ImportCoalition(ctx, &m, cfg.Bot.UserID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Imported coalition %s (%d rooms) from %s. This bot serves its rooms once %s invites it in.\n", m.Coalition, len(m.Rooms), m.From, m.From)
	return nil
}
