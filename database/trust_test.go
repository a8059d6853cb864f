package database

import (
	"context"
	"slices"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"
)

// The columns and queries that carry trust: who a direct chat was made for,
// where texts came from, who sent a relayed event, and moving a person's
// direct chat.
func TestTrustColumns(t *testing.T) { eachDB(t, testTrustColumns) }

func testTrustColumns(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())

	must(t, db.Room.SetDirect(ctx, "!claimed:x", true))
	must(t, db.Room.SetDirectFor(ctx, "!made:x", "@ana:x"))
	rooms, err := db.Room.DirectRooms(ctx)
	must(t, err)
	if !slices.Equal(rooms, []id.RoomID{"!made:x", "!claimed:x"}) {
		t.Fatalf("direct rooms %v: the bot's own first", rooms)
	}
	if r, _ := db.Room.Get(ctx, "!made:x"); !r.Direct || r.DirectFor != "@ana:x" {
		t.Fatalf("made room = %+v", r)
	}

	sc := &Schedule{Kind: KindCheckin, RoomID: "!r:x", CreatedBy: "@a:x", CreatedAt: now, When: "every day 18:00",
		Zone: "UTC", Text: "secreto", Lang: "es", Window: time.Hour, Encrypted: true}
	must(t, db.Schedule.Insert(ctx, sc))
	if got, _ := db.Schedule.Get(ctx, sc.ID); !got.Encrypted {
		t.Fatal("a schedule's provenance was lost")
	}
	must(t, db.Coalition.Insert(ctx, &Coalition{ID: "c", Name: "Red", CreatedBy: "@a:x", CreatedAt: now}))
	must(t, db.Glossary.Put(ctx, "c", &GlossaryTerm{Term: "huelga", Forms: map[string]string{}, Encrypted: true}))
	if terms, _ := db.Glossary.List(ctx, "c"); len(terms) != 1 || !terms[0].Encrypted {
		t.Fatalf("glossary = %+v", terms)
	}

	must(t, db.RelayCopy.Put(ctx, &Copy{SourceEvent: "$src", SourceRoom: "!a:x", TargetRoom: "!b:x", CopyEvent: "$copy", SourceSender: "@ana:x"}))
	copies, err := db.RelayCopy.Of(ctx, "$src")
	must(t, err)
	if len(copies) != 1 || copies[0].SourceSender != "@ana:x" {
		t.Fatalf("copies = %+v", copies)
	}

	must(t, db.Conversation.Put(ctx, &Conversation{UserID: "@ana:x", Kind: "incident", Template: "incident", RoomID: "!dm:x", Lang: "es", UpdatedAt: now}))
	must(t, db.Conversation.SetRoom(ctx, "@ana:x", "!dm2:x"))
	if users, _ := db.Conversation.UsersIn(ctx, "!dm2:x"); !slices.Equal(users, []id.UserID{"@ana:x"}) {
		t.Fatalf("conversations in the new room: %v", users)
	}
	if n, _ := db.Conversation.Prune(ctx, "incident", now.Add(time.Minute)); n != 1 {
		t.Fatalf("pruned %d abandoned intakes, want 1", n)
	}

	for _, state := range []string{IncidentOpen, IncidentResolved} {
		must(t, db.Incident.Insert(ctx, &Incident{ResponderRoom: "!r:x", Reporter: "@ana:x", ReporterRoom: "!dm:x", ReporterLang: "es",
			Severity: "low", Answers: map[string]StoredAnswer{}, State: state, CreatedAt: now}))
	}
	if reporters, _ := db.Incident.ReportersIn(ctx, "!dm:x"); !slices.Equal(reporters, []id.UserID{"@ana:x"}) {
		t.Fatalf("reporters = %v", reporters)
	}
	must(t, db.Incident.SetReporterRoom(ctx, "@ana:x", "!dm2:x"))
	latest, err := db.Incident.LatestOpenOf(ctx, "@ana:x")
	must(t, err)
	if latest == nil || latest.ReporterRoom != "!dm2:x" || latest.State != IncidentOpen {
		t.Fatalf("latest open = %+v", latest)
	}
	resolved, _ := db.Incident.Get(ctx, latest.ID+1)
	if resolved.ReporterRoom != "!dm:x" {
		t.Fatal("a resolved report moved with the reporter")
	}
}

// What the catch-up after a gap asks: was this event queued or handled?
func TestCatchUpLookups(t *testing.T) { eachDB(t, testCatchUpLookups) }

func testCatchUpLookups(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.Now()
	if _, err := db.RelayJob.Enqueue(ctx, "$queued", "!a:x", "{}", now, []id.RoomID{"!b:x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.HandledEvent.Claim(ctx, "!a:x", "$handled", now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		eventID id.EventID
		queued  bool
		handled bool
	}{{"$queued", true, false}, {"$handled", false, true}, {"$new", false, false}} {
		q, err := db.RelayJob.Has(ctx, tc.eventID)
		must(t, err)
		h, err := db.HandledEvent.Has(ctx, tc.eventID)
		must(t, err)
		if q != tc.queued || h != tc.handled {
			t.Errorf("%s: queued %v handled %v, want %v %v", tc.eventID, q, h, tc.queued, tc.handled)
		}
	}
}
