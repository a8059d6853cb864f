package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"starling/internal/pgtest"
)

var pg *pgtest.Server

func TestMain(m *testing.M) {
	var err error
	if pg, err = pgtest.Shared(); err != nil {
		fmt.Fprintln(os.Stderr, "PostgreSQL for tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// eachDB runs a test against SQLite and against PostgreSQL: the same code
// serves both through dbutil.
func eachDB(t *testing.T, test func(t *testing.T, db *Database)) {
	t.Run("sqlite", func(t *testing.T) {
		db, _ := openTest(t)
		test(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		raw, err := Open(pg.NewDatabase(t), "postgres", 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = raw.Close() })
		db := New(raw, zerolog.Nop())
		if err = db.Upgrade(context.Background()); err != nil {
			t.Fatal(err)
		}
		test(t, db)
	})
}

func openTest(t *testing.T) (*Database, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "starling.db")
	raw, err := Open("file:"+path+"?_txlock=immediate", "sqlite3-fk-wal", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	db := New(raw, zerolog.Nop())
	if err = db.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, path
}

func TestDatabaseFilesArePrivate(t *testing.T) {
	old := syscallUmask(0)
	defer syscallUmask(old)
	db, path := openTest(t)
	if err := db.BotState.Set(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
}

func TestExistingFileIsTightened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := Open("file:"+path+"?_txlock=immediate", "sqlite3-fk-wal", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	info, _ := os.Stat(path)
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("mode %o, want 600", mode)
	}
}

func TestRoomAndPerson(t *testing.T) { eachDB(t, testRoomAndPerson) }

func testRoomAndPerson(t *testing.T, db *Database) {
	ctx := context.Background()
	r, err := db.Room.Get(ctx, "!new:x")
	if err != nil || r.Language != "" || r.Timezone != "" || !r.JoinedAt.IsZero() || r.Direct {
		t.Fatalf("unknown room = %+v, %v; want empty", r, err)
	}
	joined := time.UnixMilli(1_700_000_000_123)
	must(t, db.Room.SetLanguage(ctx, "!r:x", "es", false))
	must(t, db.Room.SetTimezone(ctx, "!r:x", "Europe/Madrid"))
	must(t, db.Room.SetJoinedAt(ctx, "!r:x", joined))
	must(t, db.Room.SetDirect(ctx, "!r:x", true))
	must(t, db.Room.SetLanguage(ctx, "!r:x", "ca", false))
	r, err = db.Room.Get(ctx, "!r:x")
	if err != nil || r.Language != "ca" || r.Timezone != "Europe/Madrid" || !r.JoinedAt.Equal(joined) || !r.Direct {
		t.Fatalf("room = %+v, %v", r, err)
	}
	must(t, db.Person.SetTimezone(ctx, "@a:x", "America/Santiago"))
	must(t, db.Person.SetLanguage(ctx, "@a:x", "ar"))
	p, err := db.Person.Get(ctx, "@a:x")
	if err != nil || p.Language != "ar" || p.Timezone != "America/Santiago" {
		t.Fatalf("person = %+v, %v", p, err)
	}
}

func TestHandledEventIsClaimedOnce(t *testing.T) { eachDB(t, testHandledEventIsClaimedOnce) }

func testHandledEventIsClaimedOnce(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.Now()
	first, err := db.HandledEvent.Claim(ctx, "!r:x", "$e", now)
	must(t, err)
	second, err := db.HandledEvent.Claim(ctx, "!r:x", "$e", now)
	must(t, err)
	if !first || second {
		t.Fatalf("claims = %v, %v; want true, false", first, second)
	}
	must(t, db.HandledEvent.Prune(ctx, now.Add(time.Second)))
	again, err := db.HandledEvent.Claim(ctx, "!r:x", "$e", now)
	must(t, err)
	if !again {
		t.Fatal("a pruned event cannot be claimed again")
	}
}

func TestBotState(t *testing.T) { eachDB(t, testBotState) }

func testBotState(t *testing.T, db *Database) {
	ctx := context.Background()
	if _, ok, err := db.BotState.Get(ctx, "missing"); ok || err != nil {
		t.Fatalf("missing key: ok=%v err=%v", ok, err)
	}
	must(t, db.BotState.Set(ctx, "k", "1"))
	must(t, db.BotState.Set(ctx, "k", "2"))
	if v, ok, err := db.BotState.Get(ctx, "k"); v != "2" || !ok || err != nil {
		t.Fatalf("k = %q %v %v", v, ok, err)
	}
}

func TestSQLitePath(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"file:starling.db?_txlock=immediate", "starling.db"},
		{"file:/var/lib/starling/s.db", "/var/lib/starling/s.db"},
		{"file::memory:?cache=shared", ""},
		{"file:x?mode=memory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			if got := SQLitePath(tt.uri); got != tt.want {
				t.Fatalf("SQLitePath(%q) = %q, want %q", tt.uri, got, tt.want)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Instances sharing one PostgreSQL database each upgrade their own schema;
// a role that can also read another instance's tables is refused before it
// creates anything, for it would upgrade the wrong tables and could read
// the other's reports.
func TestInstancesKeepToTheirSchemas(t *testing.T) {
	uris := pg.InstanceSchemas(t, 3)
	open := func(uri string) *Database {
		raw, err := Open(uri, "postgres", 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = raw.Close() })
		return New(raw, zerolog.Nop())
	}
	ctx := context.Background()
	for i, uri := range uris[:2] {
		db := open(uri)
		if err := db.Upgrade(ctx); err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		must(t, db.Room.SetLanguage(ctx, "!r:x", []string{"es", "fr"}[i], false))
	}
	for i, uri := range uris[:2] {
		room, err := open(uri).Room.Get(ctx, "!r:x")
		must(t, err)
		if want := []string{"es", "fr"}[i]; room.Language != want {
			t.Errorf("instance %d reads language %q, want its own %q", i, room.Language, want)
		}
	}
	pg.Grant(t, uris[2], pgtest.Role(uris[0]))
	err := open(uris[2]).Upgrade(ctx)
	if !errors.Is(err, ErrSharedSchema) || !strings.Contains(err.Error(), pgtest.Role(uris[0])) {
		t.Fatalf("a role that can read another instance's tables upgraded: %v", err)
	}
	var tables int
	must(t, open(uris[2]).QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema=current_schema()").Scan(&tables))
	if tables != 0 {
		t.Errorf("the refused instance created %d tables", tables)
	}
}
