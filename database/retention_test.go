package database

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

func TestRelayCopiesArePruned(t *testing.T) { eachDB(t, testRelayCopiesArePruned) }

func testRelayCopiesArePruned(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	cutoff := now.Add(-90 * 24 * time.Hour)
	copies := []struct {
		name string
		copy Copy
		kept bool
	}{
		{"older than the cutoff", Copy{SourceEvent: "$old", CopyEvent: "$old-en", CopiedAt: cutoff.Add(-time.Millisecond)}, false},
		{"at the cutoff", Copy{SourceEvent: "$edge", CopyEvent: "$edge-en", CopiedAt: cutoff}, true},
		{"recent", Copy{SourceEvent: "$new", CopyEvent: "$new-en", CopiedAt: now.Add(-time.Hour)}, true},
		{"made without a time", Copy{SourceEvent: "$untimed", CopyEvent: "$untimed-en"}, true},
	}
	for _, c := range copies {
		c.copy.SourceRoom, c.copy.TargetRoom = "!es:x", "!en:x"
		must(t, db.RelayCopy.Put(ctx, &c.copy))
	}
	must(t, db.RelayCopy.Prune(ctx, cutoff))
	for _, c := range copies {
		t.Run(c.name, func(t *testing.T) {
			origin, err := db.RelayCopy.Origin(ctx, c.copy.CopyEvent)
			must(t, err)
			if kept := origin != nil; kept != c.kept {
				t.Fatalf("kept = %v, want %v", kept, c.kept)
			}
			if origin != nil && !c.copy.CopiedAt.IsZero() && !origin.CopiedAt.Equal(c.copy.CopiedAt) {
				t.Errorf("copied at %v, want %v", origin.CopiedAt, c.copy.CopiedAt)
			}
			if origin != nil && c.copy.CopiedAt.IsZero() && origin.CopiedAt.Before(now) {
				t.Errorf("a copy stored without a time got %v, before it was made", origin.CopiedAt)
			}
		})
	}
}

func TestRelayReactionsGoWithTheirCopies(t *testing.T) {
	eachDB(t, testRelayReactionsGoWithTheirCopies)
}

func testRelayReactionsGoWithTheirCopies(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	old, recent := now.Add(-100*24*time.Hour), now.Add(-time.Hour)
	for _, c := range []*Copy{
		// $old in !es has a copy in !en; so has $new, and $deleted until it is forgotten.
		{SourceEvent: "$old", SourceRoom: "!es:x", TargetRoom: "!en:x", CopyEvent: "$old-en", CopiedAt: old},
		{SourceEvent: "$new", SourceRoom: "!es:x", TargetRoom: "!en:x", CopyEvent: "$new-en", CopiedAt: recent},
		{SourceEvent: "$deleted", SourceRoom: "!es:x", TargetRoom: "!en:x", CopyEvent: "$deleted-en", CopiedAt: recent},
	} {
		must(t, db.RelayCopy.Put(ctx, c))
	}
	must(t, db.RelayCopy.Forget(ctx, "$deleted"))
	reactions := []struct {
		name     string
		reaction ReactionCopy
		kept     bool
	}{
		{"on an old copy", ReactionCopy{SourceEvent: "$r1", TargetRoom: "!en:x", Annotated: "$old-en", CopyEvent: "$b1"}, false},
		{"on a recent copy", ReactionCopy{SourceEvent: "$r2", TargetRoom: "!en:x", Annotated: "$new-en", CopyEvent: "$b2"}, true},
		{"shared on a recent copy", ReactionCopy{SourceEvent: "$r3", TargetRoom: "!en:x", Annotated: "$new-en", CopyEvent: "$b2"}, true},
		// A reaction in !en on the copy, relayed back onto the original in !es.
		{"on a recent original", ReactionCopy{SourceEvent: "$r4", TargetRoom: "!es:x", Annotated: "$new", CopyEvent: "$b4"}, true},
		{"on an old original", ReactionCopy{SourceEvent: "$r5", TargetRoom: "!es:x", Annotated: "$old", CopyEvent: "$b5"}, false},
		{"on a deleted message's copy", ReactionCopy{SourceEvent: "$r6", TargetRoom: "!en:x", Annotated: "$deleted-en", CopyEvent: "$b6"}, false},
		// The original's id in a room it was not sent in stands for nothing.
		{"on an original's id in another room", ReactionCopy{SourceEvent: "$r7", TargetRoom: "!ca:x", Annotated: "$new", CopyEvent: "$b7"}, false},
	}
	for _, r := range reactions {
		r.reaction.Key = "👍"
		must(t, db.RelayReaction.Put(ctx, &r.reaction))
	}
	must(t, db.RelayCopy.Prune(ctx, now.Add(-90*24*time.Hour)))
	must(t, db.RelayReaction.Prune(ctx))
	for _, r := range reactions {
		t.Run(r.name, func(t *testing.T) {
			copyID, _, err := db.RelayReaction.Get(ctx, r.reaction.SourceEvent, r.reaction.TargetRoom)
			must(t, err)
			if kept := copyID != ""; kept != r.kept {
				t.Fatalf("kept = %v, want %v", kept, r.kept)
			}
		})
	}
}

func TestAbandonedFormConversationsArePruned(t *testing.T) {
	eachDB(t, testAbandonedFormConversationsArePruned)
}

func testAbandonedFormConversationsArePruned(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	cutoff := now.Add(-30 * 24 * time.Hour)
	old, recent := cutoff.Add(-time.Hour), now.Add(-time.Hour)
	open := &Form{Template: "needs", RoomID: "!r:x", CreatedBy: "@a:x", CreatedAt: old}
	closed := &Form{Template: "needs", RoomID: "!r:x", CreatedBy: "@a:x", CreatedAt: old}
	must(t, db.Form.Insert(ctx, open))
	must(t, db.Form.Insert(ctx, closed))
	if ok, err := db.Form.Close(ctx, closed.ID); err != nil || !ok {
		t.Fatalf("close = %v, %v", ok, err)
	}
	conversations := []struct {
		name string
		conv Conversation
		kept bool
	}{
		{"idle on a closed form", Conversation{Kind: "form", Ref: closed.ID, UpdatedAt: old}, false},
		{"idle on a form that is gone", Conversation{Kind: "form", Ref: closed.ID + 100, UpdatedAt: old}, false},
		{"idle on an open form", Conversation{Kind: "form", Ref: open.ID, UpdatedAt: old}, true},
		{"recent on a closed form", Conversation{Kind: "form", Ref: closed.ID, UpdatedAt: recent}, true},
		{"recent on an open form", Conversation{Kind: "form", Ref: open.ID, UpdatedAt: recent}, true},
		{"idle incident intake", Conversation{Kind: "incident", Ref: 0, UpdatedAt: old}, true},
	}
	for i := range conversations {
		c := &conversations[i].conv
		c.UserID, c.Template, c.RoomID, c.Lang = id.UserID(fmt.Sprintf("@u%d:x", i)), "needs", "!dm:x", "en"
		must(t, db.Conversation.Put(ctx, c))
	}
	must(t, db.Conversation.PruneAbandoned(ctx, cutoff))
	for _, c := range conversations {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.Conversation.Get(ctx, c.conv.UserID)
			must(t, err)
			if kept := got != nil; kept != c.kept {
				t.Fatalf("kept = %v, want %v", kept, c.kept)
			}
		})
	}
}

// TestStorageStaysBounded runs rounds of steady relay traffic, each a
// retention period after the last, pruning as the bot does: the tables hold
// only the last round, and an SQLite file reuses what was freed instead of
// growing by a round each time.
func TestStorageStaysBounded(t *testing.T) { eachDB(t, testStorageStaysBounded) }

func testStorageStaysBounded(t *testing.T, db *Database) {
	const rounds = 4
	messages := 300
	if db.Dialect == dbutil.Postgres {
		messages = 100 // each statement is a round trip; the row counts are what is checked there
	}
	ctx := context.Background()
	start := time.UnixMilli(time.Now().UnixMilli())
	var fullPages int
	for round := range rounds {
		now := start.Add(time.Duration(round) * 100 * 24 * time.Hour)
		must(t, db.DoTxn(ctx, nil, func(ctx context.Context) error {
			return steadyTraffic(ctx, db, round, messages, now.Add(-time.Hour))
		}))
		// With the retention the relay and the bot's sync tables prune with.
		must(t, db.SentTxn.Prune(ctx, now.Add(-7*24*time.Hour)))
		must(t, db.HandledEvent.Prune(ctx, now.Add(-7*24*time.Hour)))
		must(t, db.RelayJob.Prune(ctx, now.Add(-7*24*time.Hour)))
		must(t, db.RelayCopy.Prune(ctx, now.Add(-90*24*time.Hour)))
		must(t, db.RelayReaction.Prune(ctx))
		for table, want := range map[string]int{
			"relay_job": messages, "relay_delivery": 2 * messages, "relay_copy": 3 * messages,
			"relay_reaction": 2 * messages, "handled_event": 2 * messages, "sent_txn": 3 * messages,
		} {
			var n int
			must(t, db.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
			if n != want {
				t.Errorf("round %d: %s has %d rows, want %d (the last round's)", round+1, table, n, want)
			}
		}
		if db.Dialect != dbutil.SQLite {
			continue
		}
		// A round is stored before the one before it is pruned, so the
		// file holds two rounds at its fullest, from the second on.
		var pages int
		must(t, db.QueryRow(ctx, "PRAGMA page_count").Scan(&pages))
		if round == 1 {
			fullPages = pages
		} else if round > 1 && pages > fullPages*11/10 {
			t.Errorf("round %d: %d pages, after the second round %d: the file grows with traffic", round+1, pages, fullPages)
		}
	}
}

// steadyTraffic is one round of relaying: every message and one reaction to
// it reach two other rooms, each sent once.
func steadyTraffic(ctx context.Context, db *Database, round, messages int, at time.Time) error {
	targets := []id.RoomID{"!en:x", "!ca:x"}
	for i := range messages {
		msg := id.EventID(fmt.Sprintf("$r%d-m%d", round, i))
		react := id.EventID(fmt.Sprintf("$r%d-r%d", round, i))
		if _, err := db.RelayJob.Enqueue(ctx, msg, "!es:x", `{"type":"m.room.message"}`, at, targets); err != nil {
			return err
		}
		if _, err := db.HandledEvent.Claim(ctx, "!es:x", msg, at); err != nil {
			return err
		}
		if _, err := db.HandledEvent.Claim(ctx, "!es:x", react, at); err != nil {
			return err
		}
		jobID, err := nextJob(ctx, db, targets[0])
		if err != nil {
			return err
		}
		for _, target := range targets {
			copyID := id.EventID(fmt.Sprintf("%s-%s", msg, target))
			if err = db.SentTxn.Put(ctx, string(copyID), target, copyID, at); err != nil {
				return err
			} else if err = db.RelayCopy.Put(ctx, &Copy{SourceEvent: msg, SourceRoom: "!es:x", TargetRoom: target, CopyEvent: copyID, CopiedAt: at}); err != nil {
				return err
			} else if err = db.RelayJob.Done(ctx, jobID, target); err != nil {
				return err
			}
		}
		// The reaction is relayed without a job of its own here; its copy
		// and reaction rows are what matter.
		for _, target := range targets {
			botReaction := id.EventID(fmt.Sprintf("%s-%s", react, target))
			if err = db.RelayReaction.Put(ctx, &ReactionCopy{SourceEvent: react, TargetRoom: target,
				Annotated: id.EventID(fmt.Sprintf("%s-%s", msg, target)), Key: "👍", CopyEvent: botReaction}); err != nil {
				return err
			}
		}
		if err = db.RelayCopy.Put(ctx, &Copy{SourceEvent: react, SourceRoom: "!es:x", TargetRoom: targets[0],
			CopyEvent: id.EventID(fmt.Sprintf("%s-%s", react, targets[0])), CopiedAt: at}); err != nil {
			return err
		}
		if err = db.SentTxn.Put(ctx, string(react), targets[0], react, at); err != nil {
			return err
		}
	}
	return nil
}

func nextJob(ctx context.Context, db *Database, target id.RoomID) (int64, error) {
	d, err := db.RelayJob.Next(ctx, target)
	if err != nil {
		return 0, err
	} else if d == nil {
		return 0, fmt.Errorf("nothing queued for %s", target)
	}
	return d.JobID, nil
}

func TestBriefingsAndLedgerEntriesArePruned(t *testing.T) {
	eachDB(t, testBriefingsAndLedgerEntriesArePruned)
}

func testBriefingsAndLedgerEntriesArePruned(t *testing.T, db *Database) {
	ctx := context.Background()
	now := time.UnixMilli(time.Now().UnixMilli())
	cutoff := now.Add(-90 * 24 * time.Hour)
	must(t, db.Coalition.Insert(ctx, &Coalition{ID: "c", Name: "Red", CreatedBy: "@a:x", CreatedAt: now}))
	schedule := func(kind string, at time.Time) *Schedule {
		sc := &Schedule{Kind: kind, RoomID: "!es:x", CoalitionID: "c", CreatedBy: "@a:x", CreatedAt: at, Zone: "UTC", Text: "t", Lang: "es", Window: time.Hour}
		must(t, db.Schedule.Insert(ctx, sc))
		_, err := db.Occurrence.Ensure(ctx, sc.ID, at, 1, false)
		must(t, err)
		return sc
	}
	oldBrief, youngBrief, oldCheckin := schedule(KindBrief, cutoff.Add(-time.Hour)), schedule(KindBrief, now), schedule(KindCheckin, cutoff.Add(-time.Hour))
	entry := func(at time.Time) *LedgerEntry {
		e := &LedgerEntry{CoalitionID: "c", FromRoom: "!es:x", Kind: "time", Hundredths: 600, Unit: "h", Note: "n", NoteLang: "es", Author: "@a:x", CreatedAt: at, UpdatedAt: at}
		must(t, db.Ledger.Insert(ctx, e))
		return e
	}
	oldEntry, youngEntry := entry(cutoff.Add(-time.Hour)), entry(now)

	must(t, db.Schedule.PruneKind(ctx, KindBrief, cutoff))
	must(t, db.Ledger.Prune(ctx, cutoff))
	for _, c := range []struct {
		name string
		sc   *Schedule
		kept bool
	}{{"old briefing", oldBrief, false}, {"young briefing", youngBrief, true}, {"old check-in", oldCheckin, true}} {
		sc, err := db.Schedule.Get(ctx, c.sc.ID)
		must(t, err)
		occ, err := db.Occurrence.Get(ctx, c.sc.ID, c.sc.CreatedAt)
		must(t, err)
		if (sc != nil) != c.kept || (occ != nil) != c.kept {
			t.Errorf("%s: schedule kept %v, occurrence kept %v, want %v", c.name, sc != nil, occ != nil, c.kept)
		}
	}
	for _, c := range []struct {
		name  string
		entry *LedgerEntry
		kept  bool
	}{{"old entry", oldEntry, false}, {"young entry", youngEntry, true}} {
		e, err := db.Ledger.Get(ctx, c.entry.ID)
		must(t, err)
		if (e != nil) != c.kept {
			t.Errorf("%s: kept %v, want %v", c.name, e != nil, c.kept)
		}
	}
}
