package database

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/id"
)

// A coalition moves from an instance on SQLite to one on PostgreSQL through
// the move's JSON: what makes it up arrives typed as it was, and the old
// instance keeps nothing of it but the rooms to hand over.
func TestCoalitionMoves(t *testing.T) {
	ctx := context.Background()
	from, _ := openTest(t)
	raw, err := Open(pg.NewDatabase(t), "postgres", 2)
	must(t, err)
	t.Cleanup(func() { _ = raw.Close() })
	to := New(raw, zerolog.Nop())
	must(t, to.Upgrade(ctx))

	now := time.UnixMilli(1_790_000_000_123)
	es, en, other := id.RoomID("!es:x"), id.RoomID("!en:x"), id.RoomID("!other:x")
	must(t, from.Coalition.Insert(ctx, &Coalition{ID: "c1", Name: "Red", CreatedBy: "@m:x", CreatedAt: now}))
	must(t, from.Coalition.Insert(ctx, &Coalition{ID: "c2", Name: "Otra", CreatedBy: "@m:x", CreatedAt: now}))
	for _, r := range []*CoalitionRoom{{RoomID: es, CoalitionID: "c1", AddedBy: "@m:x", AddedAt: now},
		{RoomID: en, CoalitionID: "c1", Paused: true, AddedBy: "@m:x", AddedAt: now}, {RoomID: other, CoalitionID: "c2", AddedBy: "@m:x", AddedAt: now}} {
		must(t, from.CoalitionRoom.Insert(ctx, r))
	}
	must(t, from.Room.SetLanguage(ctx, es, "es", false))
	must(t, from.Room.SetTimezone(ctx, es, "America/Santiago"))
	must(t, from.Room.SetLanguage(ctx, en, "en", true))
	must(t, from.Room.SetJoinedAt(ctx, es, now))
	must(t, from.Glossary.Put(ctx, "c1", &GlossaryTerm{Term: "Olla común", Forms: map[string]string{"en": "community kitchen"}, Encrypted: true}))
	err = from.Schedule.Insert(ctx, &Schedule{Kind: "checkin", RoomID: es, CoalitionID: "c1", CreatedBy: "@m:x", CreatedAt: now, When: "every monday 10:00",
		Zone: "America/Santiago", Text: "¿Cómo están?", Lang: "es", Window: time.Hour, Rotation: []id.UserID{"@a:x", "@b:x"}, LastOccurrence: now, Occurrences: 3})
	must(t, err)
	_, err = from.Exec(ctx, "UPDATE schedule SET last_occurrence=$1, occurrences=3", now.UnixMilli())
	must(t, err)
	must(t, from.RelayCopy.Put(ctx, &Copy{SourceEvent: "$src", SourceRoom: es, TargetRoom: en, CopyEvent: "$copy", SourceSender: "@p:x", CopiedAt: now, Translation: "apertium", Route: "es>en"}))
	must(t, from.RelayCopy.Put(ctx, &Copy{SourceEvent: "$o", SourceRoom: other, TargetRoom: other, CopyEvent: "$oc", CopiedAt: now}))
	// The ledger: a corrected entry, a withdrawn one, and another coalition's.
	gave := &LedgerEntry{CoalitionID: "c1", FromRoom: es, ToRoom: en, Kind: "translation", Hundredths: 600, Unit: "h", Note: "subtítulos",
		NoteLang: "es", Author: "@p:x", Encrypted: true, CreatedAt: now}
	must(t, from.Ledger.Insert(ctx, gave))
	fixed := *gave
	fixed.Hundredths = 700
	if ok, err := from.Ledger.Update(ctx, gave, &fixed, "@m:x", LedgerCorrected, now.Add(time.Second)); !ok || err != nil {
		t.Fatalf("correction: %v %v", ok, err)
	}
	gone := &LedgerEntry{CoalitionID: "c1", FromRoom: en, Kind: "hosting", Author: "@q:x", CreatedAt: now}
	must(t, from.Ledger.Insert(ctx, gone))
	if ok, err := from.Ledger.Withdraw(ctx, gone, "@q:x", now.Add(2*time.Second)); !ok || err != nil {
		t.Fatalf("withdrawal: %v %v", ok, err)
	}
	must(t, from.Ledger.Insert(ctx, &LedgerEntry{CoalitionID: "c2", FromRoom: other, Kind: "funds", Author: "@o:x", CreatedAt: now}))

	t.Run("open work keeps it", func(t *testing.T) {
		must(t, from.Incident.Insert(ctx, &Incident{CoalitionID: "c1", ResponderRoom: es, Reporter: "@r:x", ReporterRoom: "!dm:x", ReporterLang: "es",
			Severity: "high", Answers: map[string]StoredAnswer{}, State: "open", CreatedAt: now}))
		err := from.ExportCoalition(ctx, "c1", "@a:x", "@b:x", now, func(*Move) error { t.Fatal("a move with an open report was written"); return nil })
		if !errors.Is(err, ErrMoveBlocked) || !strings.Contains(err.Error(), "1 open incident reports") {
			t.Fatalf("export with an open report: %v", err)
		}
		_, err = from.Exec(ctx, "UPDATE incident SET state='resolved'")
		must(t, err)
	})
	t.Run("a failed write moves nothing", func(t *testing.T) {
		err := from.ExportCoalition(ctx, "c1", "@a:x", "@b:x", now, func(*Move) error { return errors.New("disk full") })
		if err == nil {
			t.Fatal("the export went on after the file could not be written")
		}
		if c, _ := from.Coalition.Get(ctx, "c1"); c == nil {
			t.Fatal("the coalition was handed over though its move was not written")
		}
	})

	var file bytes.Buffer
	must(t, from.ExportCoalition(ctx, "c1", "@a:x", "@b:x", now, func(m *Move) error { return json.NewEncoder(&file).Encode(m) }))
	var m Move
	dec := json.NewDecoder(&file)
	dec.UseNumber()
	must(t, dec.Decode(&m))
	if err := to.ImportCoalition(ctx, &m, "@c:x"); err == nil {
		t.Fatal("a move for another bot was imported")
	}
	must(t, to.ImportCoalition(ctx, &m, "@b:x"))

	links, err := to.CoalitionRoom.List(ctx, "c1")
	must(t, err)
	if len(links) != 2 || !links[0].Paused && !links[1].Paused {
		t.Errorf("links after the move: %+v", links)
	}
	room, err := to.Room.Get(ctx, es)
	must(t, err)
	if room.Language != "es" || room.Timezone != "America/Santiago" || !room.JoinedAt.IsZero() {
		t.Errorf("room after the move: %+v (joined_at must wait for the new bot's join)", room)
	}
	if r, _ := to.Room.Get(ctx, en); !r.Mixed {
		t.Error("the mixed room lost its setting")
	}
	terms, err := to.Glossary.List(ctx, "c1")
	must(t, err)
	if len(terms) != 1 || terms[0].Forms["en"] != "community kitchen" || !terms[0].Encrypted {
		t.Errorf("glossary after the move: %+v", terms)
	}
	scheds, err := to.Schedule.Visible(ctx, es, "c1")
	must(t, err)
	if len(scheds) != 1 || !scheds[0].LastOccurrence.Equal(now) || scheds[0].Occurrences != 3 || len(scheds[0].Rotation) != 2 {
		t.Errorf("schedules after the move: %d, first %+v", len(scheds), *scheds[0])
	}
	copied, err := to.RelayCopy.Origin(ctx, "$copy")
	must(t, err)
	if copied == nil || copied.SourceEvent != "$src" || copied.Route != "es>en" || !copied.CopiedAt.Equal(now) || copied.CopiedBy != "@a:x" {
		t.Errorf("history mapping after the move: %+v", copied)
	}
	if o, _ := to.RelayCopy.Origin(ctx, "$oc"); o != nil {
		t.Error("another coalition's copy moved too")
	}

	ledger, err := to.Ledger.Period(ctx, "c1", now.Add(-time.Hour), now.Add(time.Hour))
	must(t, err)
	if len(ledger) != 1 || ledger[0].Hundredths != 700 || ledger[0].Note != "subtítulos" || !ledger[0].Encrypted || !ledger[0].CreatedAt.Equal(now) {
		t.Fatalf("the ledger after the move: %+v", ledger)
	}
	trail, err := to.LedgerAudit.List(ctx, ledger[0].ID)
	must(t, err)
	if len(trail) != 2 || trail[1].Action != LedgerCorrected || trail[1].Actor != "@m:x" || trail[1].Before.Hundredths != 600 {
		t.Errorf("the audit after the move: %+v", trail)
	}
	var moved int
	must(t, to.QueryRow(ctx, "SELECT count(*) FROM ledger_entry").Scan(&moved))
	if moved != 2 {
		t.Errorf("%d ledger entries moved, want 2 (the withdrawn one with its audit, not the other coalition's)", moved)
	}

	// What stays behind: the rooms to hand over, and the other coalition.
	if c, _ := from.Coalition.Get(ctx, "c1"); c != nil {
		t.Error("the old instance still has the coalition")
	}
	if r, _ := from.Room.Get(ctx, es); !r.JoinedAt.IsZero() {
		t.Error("the old instance would still act in a moved room")
	}
	moves, err := from.RoomMove.All(ctx)
	must(t, err)
	if len(moves) != 2 || moves[0].MovedTo != "@b:x" {
		t.Errorf("rooms to hand over: %+v", moves)
	}
	if o, _ := from.RelayCopy.Origin(ctx, "$oc"); o == nil {
		t.Error("the other coalition's copies were lost")
	}
}
