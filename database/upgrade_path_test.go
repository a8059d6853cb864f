package database

import (
	"context"
	"embed"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"

	"starling/database/upgrades"
)

// The schema as released at v1. Every later version is reached from it with
// the real numbered upgrade files, so this one file is all the history the
// test needs; it lives outside the folder root that upgrades embeds.
//
//go:embed upgrades/testdata/v1.sql
var releasedSchemas embed.FS

// TestUpgradePath builds a database at every schema version released before
// the latest, upgrades it with the code the bot runs and expects exactly the
// schema a fresh database gets from 00-latest.sql. A change made to one of
// the two and not the other would otherwise show only on deployments that
// upgrade, after the release.
func TestUpgradePath(t *testing.T) {
	latest := len(upgrades.Table)
	backends := []struct {
		name string
		open func(t *testing.T) *dbutil.Database
	}{
		{"sqlite", openRawSQLite},
		{"postgres", openRawPostgres},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			fresh := New(b.open(t), zerolog.Nop())
			must(t, fresh.Upgrade(ctx))
			want := schemaOf(t, fresh.Database)
			for v := 1; v < latest; v++ {
				t.Run(fmt.Sprintf("from v%d", v), func(t *testing.T) {
					t.Parallel() // most of the time goes waiting for PostgreSQL to create databases
					raw := b.open(t)
					buildReleased(t, raw, v)
					seedReleased(t, raw, v)
					db := New(raw, zerolog.Nop())
					must(t, db.Upgrade(ctx))
					if got := schemaVersion(t, raw); got != latest {
						t.Fatalf("upgraded to v%d, want v%d", got, latest)
					}
					if missing, extra := compareSchemas(want, schemaOf(t, db.Database)); len(missing)+len(extra) > 0 {
						t.Errorf("upgraded schema differs from a fresh one\nonly in fresh:\n\t%s\nonly in upgraded:\n\t%s",
							strings.Join(missing, "\n\t"), strings.Join(extra, "\n\t"))
					}
					checkSeeded(t, db, v)
				})
			}
		})
	}
}

// TestUpgradePathComparesEverything makes sure the comparison sees the kinds
// of difference an upgrade file can get wrong; a description that left one
// out would let TestUpgradePath pass whatever the upgrades do.
func TestUpgradePathComparesEverything(t *testing.T) {
	base := `
		CREATE TABLE parent (id TEXT PRIMARY KEY);
		CREATE TABLE t (
			a TEXT NOT NULL DEFAULT '',
			b BIGINT,
			c TEXT NOT NULL REFERENCES parent (id) ON DELETE CASCADE,
			d TEXT,
			PRIMARY KEY (a, b)
		);
		CREATE INDEX t_b_idx ON t (b);`
	tests := []struct {
		name    string
		changed string
	}{
		{"missing column", `ALTER TABLE t DROP COLUMN d`},
		{"extra column", `ALTER TABLE t ADD COLUMN e TEXT`},
		{"missing default", strings.Replace(base, `NOT NULL DEFAULT ''`, `NOT NULL`, 1)},
		{"other default", strings.Replace(base, `DEFAULT ''`, `DEFAULT 'x'`, 1)},
		{"not null", strings.Replace(base, `d TEXT,`, `d TEXT NOT NULL,`, 1)},
		{"other type", strings.Replace(base, `b BIGINT`, `b TEXT`, 1)},
		{"missing index", `DROP INDEX t_b_idx`},
		{"index on other columns", strings.Replace(base, `ON t (b)`, `ON t (b, a)`, 1)},
		{"unique index", strings.Replace(base, `CREATE INDEX`, `CREATE UNIQUE INDEX`, 1)},
		{"other primary key", strings.Replace(base, `PRIMARY KEY (a, b)`, `PRIMARY KEY (a)`, 1)},
		{"unique constraint", strings.Replace(base, `b BIGINT,`, `b BIGINT UNIQUE,`, 1)},
		{"no foreign key", strings.Replace(base, `REFERENCES parent (id) ON DELETE CASCADE`, ``, 1)},
		{"other delete rule", strings.Replace(base, `ON DELETE CASCADE`, ``, 1)},
		{"missing table", `DROP TABLE t`},
	}
	for _, b := range []struct {
		name string
		open func(t *testing.T) *dbutil.Database
	}{{"sqlite", openRawSQLite}, {"postgres", openRawPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.open(t)
			create := func(t *testing.T, schema ...string) {
				t.Helper()
				for _, q := range append([]string{`DROP TABLE IF EXISTS t`, `DROP TABLE IF EXISTS parent`}, schema...) {
					_, err := db.Exec(ctx, q)
					must(t, err)
				}
			}
			create(t, base)
			want := schemaOf(t, db)
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if strings.Contains(tt.changed, "CREATE TABLE") {
						create(t, tt.changed)
					} else {
						create(t, base, tt.changed)
					}
					if missing, extra := compareSchemas(want, schemaOf(t, db)); len(missing)+len(extra) == 0 {
						t.Errorf("%s went unnoticed", tt.name)
					}
				})
			}
		})
	}
}

func openRawSQLite(t *testing.T) *dbutil.Database {
	t.Helper()
	raw, err := Open("file:"+filepath.Join(t.TempDir(), "starling.db")+"?_txlock=immediate", "sqlite3-fk-wal", 1)
	must(t, err)
	t.Cleanup(func() { _ = raw.Close() })
	return raw
}

func openRawPostgres(t *testing.T) *dbutil.Database {
	t.Helper()
	raw, err := Open(pg.NewDatabase(t), "postgres", 2)
	must(t, err)
	t.Cleanup(func() { _ = raw.Close() })
	return raw
}

// buildReleased brings an empty database to version v as a deployment made
// at v1 got there: the released v1 schema, then the numbered upgrades.
func buildReleased(t *testing.T, raw *dbutil.Database, v int) {
	t.Helper()
	start := dbutil.BuildUpgradeTable().WithFSPath(releasedSchemas, "upgrades/testdata").Finish()
	if len(start) != 1 {
		t.Fatalf("testdata holds upgrades to v%d, want only the v1 schema", len(start))
	}
	// dbutil runs table[n] on a database at version n, so a table cut at v
	// stops there.
	table := append(dbutil.UpgradeTable{start[0]}, upgrades.Table[1:v]...)
	child := raw.Child("starling_version", table, dbutil.ZeroLogger(zerolog.Nop()))
	must(t, child.Upgrade(context.Background()))
	if got := schemaVersion(t, raw); got != v {
		t.Fatalf("built v%d, want v%d", got, v)
	}
}

func schemaVersion(t *testing.T, raw *dbutil.Database) int {
	t.Helper()
	var v int
	must(t, raw.QueryRow(context.Background(), "SELECT version FROM starling_version").Scan(&v))
	return v
}

// What a deployment holds before it upgrades, in the columns its version
// had, and how the bot reads it back afterwards. Each entry starts at the
// version that made its tables.
var seedMs = time.UnixMilli(1_700_000_000_000)

var releasedRows = []struct {
	name  string
	since int
	rows  []string
	check func(t *testing.T, ctx context.Context, db *Database, from int)
}{
	{"room, person, handled event, bot state", 1, []string{
		`INSERT INTO room (room_id, language, timezone, joined_at, direct) VALUES ('!r:x', 'es', 'Europe/Madrid', 1700000000000, true)`,
		`INSERT INTO person (user_id, language, timezone) VALUES ('@a:x', 'ca', 'Europe/Andorra')`,
		`INSERT INTO handled_event (event_id, room_id, handled_at) VALUES ('$handled', '!r:x', 1700000000000)`,
		`INSERT INTO bot_state (key, value) VALUES ('pickle_check', 'ok')`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		r, err := db.Room.Get(ctx, "!r:x")
		must(t, err)
		if r.Language != "es" || r.Timezone != "Europe/Madrid" || !r.JoinedAt.Equal(seedMs) || !r.Direct || r.DirectFor != "" {
			t.Errorf("room = %+v", r)
		}
		p, err := db.Person.Get(ctx, "@a:x")
		must(t, err)
		if p.Language != "ca" || p.Timezone != "Europe/Andorra" {
			t.Errorf("person = %+v", p)
		}
		if ok, err := db.HandledEvent.Has(ctx, "$handled"); err != nil || !ok {
			t.Errorf("handled event kept = %v, %v", ok, err)
		}
		if v, ok, err := db.BotState.Get(ctx, "pickle_check"); err != nil || !ok || v != "ok" {
			t.Errorf("bot state = %q, %v, %v", v, ok, err)
		}
	}},
	{"coalition and relay queue", 2, []string{
		`INSERT INTO coalition (id, name, created_by, created_at) VALUES ('c1', 'Red', '@a:x', 1700000000000)`,
		`INSERT INTO coalition_room (room_id, coalition_id, added_by, added_at) VALUES ('!r:x', 'c1', '@a:x', 1700000000000)`,
		`INSERT INTO join_code (code_hash, coalition_id, created_by, expires_at) VALUES ('h1', 'c1', '@a:x', 4000000000000)`,
		`INSERT INTO glossary_term (coalition_id, term_key, term, forms) VALUES ('c1', 'nodo', 'Nodo', '{"en":"node"}')`,
		`INSERT INTO relay_job (event_id, room_id, event, received_at) VALUES ('$msg', '!r:x', '{"type":"m.room.message"}', 1700000000000)`,
		`INSERT INTO relay_delivery (job_id, target_room) SELECT id, '!t:x' FROM relay_job WHERE event_id='$msg'`,
		`INSERT INTO relay_copy (source_event, source_room, target_room, copy_event) VALUES ('$msg', '!r:x', '!t:x', '$copy')`,
		`INSERT INTO relay_copy (source_event, source_room, target_room, copy_event) VALUES ('$pruned', '!r:x', '!t:x', '$pruned-copy')`,
		`INSERT INTO sent_txn (txn_id, room_id, event_id, sent_at) VALUES ('txn1', '!t:x', '$copy', 1700000000000)`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		if c, err := db.Coalition.Get(ctx, "c1"); err != nil || c == nil || c.Name != "Red" {
			t.Errorf("coalition = %+v, %v", c, err)
		}
		if r, err := db.CoalitionRoom.Get(ctx, "!r:x"); err != nil || r == nil || r.CoalitionID != "c1" || r.Paused {
			t.Errorf("coalition room = %+v, %v", r, err)
		}
		if c, err := db.JoinCode.Use(ctx, "h1", "!new:x", seedMs); err != nil || c != "c1" {
			t.Errorf("join code used for %q, %v", c, err)
		}
		terms, err := db.Glossary.List(ctx, "c1")
		must(t, err)
		if len(terms) != 1 || terms[0].Forms["en"] != "node" || terms[0].Encrypted {
			t.Errorf("glossary = %+v", terms)
		}
		d, err := db.RelayJob.Next(ctx, "!t:x")
		must(t, err)
		if d == nil || d.EventID != "$msg" || d.Attempted || d.Attempts != 0 {
			t.Fatalf("queued delivery = %+v", d)
		}
		must(t, db.RelayJob.Done(ctx, d.JobID, "!t:x"))
		if ok, err := db.RelayJob.Enqueue(ctx, "$new", "!r:x", "{}", seedMs, []id.RoomID{"!t:x"}); err != nil || !ok {
			t.Errorf("new job queued = %v, %v", ok, err)
		}
		// A copy from before v9 counts from its job, or from the upgrade
		// once its job is gone.
		if c, err := db.RelayCopy.Origin(ctx, "$copy"); err != nil || c == nil || c.SourceEvent != "$msg" || c.SourceSender != "" || (from < 9 && !c.CopiedAt.Equal(seedMs)) {
			t.Errorf("copy origin = %+v, %v", c, err)
		}
		if c, err := db.RelayCopy.Origin(ctx, "$pruned-copy"); err != nil || c == nil || (from < 9 && time.Since(c.CopiedAt).Abs() > time.Minute) {
			t.Errorf("copy whose job is gone = %+v, %v", c, err)
		}
		if e, err := db.SentTxn.Get(ctx, "txn1"); err != nil || e != "$copy" {
			t.Errorf("sent txn = %q, %v", e, err)
		}
	}},
	{"schedule and occurrence", 3, []string{
		`INSERT INTO schedule (kind, room_id, created_by, created_at, when_text, zone, text, lang, window_ms)
			VALUES ('checkin', '!r:x', '@a:x', 1700000000000, 'every monday 10:00', 'Europe/Madrid', '¿Cómo estáis?', 'es', 3600000)`,
		`INSERT INTO occurrence (schedule_id, occurs_at, seq) SELECT id, 1700000000000, 1 FROM schedule`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		active, err := db.Schedule.Active(ctx)
		must(t, err)
		if len(active) != 1 || active[0].Text != "¿Cómo estáis?" || active[0].Encrypted || len(active[0].Rotation) != 0 {
			t.Fatalf("schedules = %+v", active)
		}
		if o, err := db.Occurrence.Get(ctx, active[0].ID, seedMs); err != nil || o == nil || o.Seq != 1 {
			t.Errorf("occurrence = %+v, %v", o, err)
		}
		s := &Schedule{Kind: KindVigil, RoomID: "!r:x", CreatedBy: "@a:x", CreatedAt: seedMs, When: "tomorrow", Zone: "UTC", Text: "v", Lang: "en"}
		must(t, db.Schedule.Insert(ctx, s))
		if s.ID == active[0].ID {
			t.Errorf("new schedule took the old one's id %d", s.ID)
		}
	}},
	{"form and conversation", 4, []string{
		`INSERT INTO form (template, room_id, created_by, created_at) VALUES ('needs', '!r:x', '@a:x', 1700000000000)`,
		`INSERT INTO conversation (user_id, kind, ref, template, room_id, lang, step, answers, updated_at)
			SELECT '@a:x', 'form', id, 'needs', '!dm:x', 'ca', 2, '{}', 1700000000000 FROM form`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		open, err := db.Form.Open(ctx)
		must(t, err)
		if len(open) != 1 || open[0].Template != "needs" {
			t.Fatalf("open forms = %+v", open)
		}
		if c, err := db.Conversation.Get(ctx, "@a:x"); err != nil || c == nil || c.Ref != open[0].ID || c.Step != 2 {
			t.Errorf("conversation = %+v, %v", c, err)
		}
		f := &Form{Template: "needs", RoomID: "!r:x", CreatedBy: "@a:x", CreatedAt: seedMs}
		must(t, db.Form.Insert(ctx, f))
		if f.ID == open[0].ID {
			t.Errorf("new form took the old one's id %d", f.ID)
		}
	}},
	{"incident", 5, []string{
		`INSERT INTO incident (coalition_id, responder_room, reporter, reporter_room, reporter_lang, anonymous, severity, answers, state, created_at, relayed_event)
			VALUES ('c1', '!resp:x', '@rep:x', '!dm2:x', 'es', true, 'high', '{}', 'open', 1700000000000, '$post')`,
		`INSERT INTO responder_room (coalition_id, room_id, policy) VALUES ('c1', '!resp:x', '')`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		i, err := db.Incident.LatestOpenOf(ctx, "@rep:x")
		must(t, err)
		if i == nil || i.Severity != "high" || !i.Anonymous || i.RelayedEvent != "$post" {
			t.Fatalf("incident = %+v", i)
		}
		if room, _, err := db.Incident.ResponderRoom(ctx, "c1"); err != nil || room != "!resp:x" {
			t.Errorf("responder room = %q, %v", room, err)
		}
		if former, err := db.Incident.FormerResponder(ctx, "c1"); err != nil || former != "" {
			t.Errorf("former responder = %q, %v", former, err)
		}
	}},
	{"relay reaction", 6, []string{
		`INSERT INTO relay_reaction (source_event, target_room, annotated, reaction_key, copy_event) VALUES ('$react', '!t:x', '$copy', '👍', '$botreact')`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		if c, others, err := db.RelayReaction.Get(ctx, "$react", "!t:x"); err != nil || c != "$botreact" || others != 0 {
			t.Errorf("relayed reaction = %q, %d, %v", c, others, err)
		}
	}},
	{"incident addition", 7, []string{
		`INSERT INTO incident_addition (incident_id, at, text) SELECT id, 1700000000000, 'más' FROM incident`,
	}, func(t *testing.T, ctx context.Context, db *Database, from int) {
		pending, err := db.Addition.Pending(ctx)
		must(t, err)
		if len(pending) != 1 || pending[0].Text != "más" {
			t.Fatalf("pending additions = %+v", pending)
		}
		a := &Addition{IncidentID: pending[0].IncidentID, At: seedMs, Text: "y más"}
		must(t, db.Addition.Insert(ctx, a))
		if a.ID == pending[0].ID {
			t.Errorf("new addition took the old one's id %d", a.ID)
		}
	}},
}

func seedReleased(t *testing.T, raw *dbutil.Database, v int) {
	t.Helper()
	for _, r := range releasedRows {
		if r.since > v {
			continue
		}
		for _, q := range r.rows {
			if _, err := raw.Exec(context.Background(), q); err != nil {
				t.Fatalf("failed to store %s at v%d: %v", r.name, v, err)
			}
		}
	}
}

func checkSeeded(t *testing.T, db *Database, v int) {
	t.Helper()
	for _, r := range releasedRows {
		if r.since <= v {
			t.Run(r.name, func(t *testing.T) { r.check(t, context.Background(), db, v) })
		}
	}
}
