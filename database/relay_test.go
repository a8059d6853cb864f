package database

import (
	"context"
	"testing"
	"time"

	"maunium.net/go/mautrix/id"
)

func TestJoinCodeIsUsedOnceAndExpires(t *testing.T) { eachDB(t, testJoinCodeIsUsedOnceAndExpires) }

func testJoinCodeIsUsedOnceAndExpires(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.Now()
	must(t, db.Coalition.Insert(ctx, &Coalition{ID: "c1", Name: "Red", CreatedBy: "@a:x", CreatedAt: now}))
	must(t, db.JoinCode.Insert(ctx, "h1", "c1", "@a:x", now.Add(24*time.Hour)))
	must(t, db.JoinCode.Insert(ctx, "h2", "c1", "@a:x", now.Add(time.Minute)))
	tests := []struct {
		name string
		hash string
		room id.RoomID
		at   time.Time
		want string
	}{
		{"valid code", "h1", "!r1:x", now, "c1"},
		{"second use", "h1", "!r2:x", now, ""},
		{"unknown code", "nope", "!r2:x", now, ""},
		{"expired code", "h2", "!r2:x", now.Add(2 * time.Minute), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.JoinCode.Use(ctx, tt.hash, tt.room, tt.at)
			must(t, err)
			if got != tt.want {
				t.Fatalf("Use() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRelayQueueKeepsOrderPerRoom(t *testing.T) { eachDB(t, testRelayQueueKeepsOrderPerRoom) }

func testRelayQueueKeepsOrderPerRoom(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.Now()
	targets := []id.RoomID{"!en:x", "!ca:x"}
	for _, e := range []id.EventID{"$1", "$2", "$3"} {
		ok, err := db.RelayJob.Enqueue(ctx, e, "!es:x", `{"x":1}`, now, targets)
		must(t, err)
		if !ok {
			t.Fatalf("%s not queued", e)
		}
	}
	if ok, _ := db.RelayJob.Enqueue(ctx, "$1", "!es:x", `{}`, now, targets); ok {
		t.Fatal("the same event was queued twice")
	}
	next, err := db.RelayJob.Next(ctx, "!en:x")
	must(t, err)
	if next.EventID != "$1" {
		t.Fatalf("first delivery %s, want $1", next.EventID)
	}
	if !next.ReceivedAt.Equal(now.Truncate(time.Millisecond)) {
		t.Fatalf("received at %v, want %v", next.ReceivedAt, now)
	}
	must(t, db.RelayJob.Retry(ctx, next.JobID, "!en:x", 1, now.Add(time.Minute)))
	if again, _ := db.RelayJob.Next(ctx, "!en:x"); again.EventID != "$1" || again.Attempts != 1 {
		t.Fatalf("a failed delivery was skipped: %+v", again)
	}
	must(t, db.RelayJob.Done(ctx, next.JobID, "!en:x"))
	if n, _ := db.RelayJob.Next(ctx, "!en:x"); n.EventID != "$2" {
		t.Fatalf("next delivery %s, want $2", n.EventID)
	}
	if n, _ := db.RelayJob.Next(ctx, "!ca:x"); n.EventID != "$1" {
		t.Fatalf("other room's queue moved: %s", n.EventID)
	}
	must(t, db.RelayJob.Done(ctx, next.JobID, "!ca:x"))
	if pending, _ := db.RelayJob.Pending(ctx); pending != 4 {
		t.Fatalf("pending = %d, want 4", pending)
	}
	must(t, db.RelayJob.Done(ctx, next.JobID, "!ca:x"))
	if ok, _ := db.RelayJob.Enqueue(ctx, "$1", "!es:x", `{}`, now, targets); ok {
		t.Fatal("a relayed event was queued again after it was done")
	}
	must(t, db.RelayJob.Prune(ctx, now.Add(time.Hour)))
	if ok, _ := db.RelayJob.Enqueue(ctx, "$1", "!es:x", `{}`, now, targets); !ok {
		t.Fatal("a pruned job still blocks its event")
	}
	rooms, err := db.RelayJob.PendingTargets(ctx)
	must(t, err)
	if len(rooms) != 2 {
		t.Fatalf("pending targets %v", rooms)
	}
}

func TestRelayCopies(t *testing.T) { eachDB(t, testRelayCopies) }

func testRelayCopies(t *testing.T, db *Database) {
	ctx := context.Background()
	must(t, db.RelayCopy.Put(ctx, &Copy{SourceEvent: "$src", SourceRoom: "!es:x", TargetRoom: "!en:x", CopyEvent: "$en"}))
	must(t, db.RelayCopy.Put(ctx, &Copy{SourceEvent: "$src", SourceRoom: "!es:x", TargetRoom: "!ca:x", CopyEvent: "$ca"}))
	if c, _ := db.RelayCopy.Get(ctx, "$src", "!ca:x"); c != "$ca" {
		t.Fatalf("copy in ca = %q", c)
	}
	if o, _ := db.RelayCopy.Origin(ctx, "$en"); o == nil || o.SourceEvent != "$src" {
		t.Fatalf("origin of $en = %+v", o)
	}
	if o, _ := db.RelayCopy.Origin(ctx, "$src"); o != nil {
		t.Fatalf("an original has an origin: %+v", o)
	}
	if cs, _ := db.RelayCopy.Of(ctx, "$src"); len(cs) != 2 {
		t.Fatalf("copies = %d", len(cs))
	}
}

func TestGlossaryTerms(t *testing.T) { eachDB(t, testGlossaryTerms) }

func testGlossaryTerms(t *testing.T, db *Database) {
	ctx := context.Background()
	must(t, db.Coalition.Insert(ctx, &Coalition{ID: "c1", Name: "Red", CreatedBy: "@a:x", CreatedAt: time.Now()}))
	must(t, db.Glossary.Put(ctx, "c1", &GlossaryTerm{Term: "Ni Una Menos"}))
	must(t, db.Glossary.Put(ctx, "c1", &GlossaryTerm{Term: "huelga", Forms: map[string]string{"en": "strike"}}))
	must(t, db.Glossary.Put(ctx, "c1", &GlossaryTerm{Term: "Huelga", Forms: map[string]string{"fr": "grève"}}))
	terms, err := db.Glossary.List(ctx, "c1")
	must(t, err)
	if len(terms) != 2 || terms[0].Term != "Huelga" || terms[0].Forms["fr"] != "grève" {
		t.Fatalf("terms = %+v", terms)
	}
	if ok, _ := db.Glossary.Delete(ctx, "c1", "NI UNA MENOS"); !ok {
		t.Fatal("term not deleted case-insensitively")
	}
	if ok, _ := db.Glossary.Delete(ctx, "c1", "nothing"); ok {
		t.Fatal("deleting an unknown term reported success")
	}
}
