package scheduler

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
)

// A briefing is posted in every room once, pinned, chased once halfway in
// the rooms that have not reacted, summed up to the watch room at the end;
// a digest gathers the week's briefings; only the watch room briefs.
func TestBriefingsAndTheirDigest(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-23 09:00"))
	f.coalition(t)
	if _, err := f.s.Brief(ctx, "!en:test", "@ana:test", "x", rooms.Bot); !errors.Is(err, ErrNotWatchRoom) {
		t.Fatalf("a room that is no watch circle briefed: %v", err)
	}
	must(t, f.s.SetWatchRoom(ctx, "!es:test", "@ana:test", 50))
	digest, _, err := f.s.AddDigest(ctx, "!es:test", "@mod:test", "cada viernes 18:00", rooms.Bot)
	must(t, err)

	sc, err := f.s.Brief(ctx, "!es:test", "@ana:test", "Cierran el puente", rooms.Origin{Room: "!es:test", Encrypted: true})
	must(t, err)
	f.clock.Set(madrid(t, "2026-11-23 09:01"))
	f.s.RunDue(ctx)
	posts := f.mx.take()
	if es, en := bodies(posts, "!es:test"), bodies(posts, "!en:test"); len(es) != 1 || len(en) != 1 || !strings.Contains(en[0], "📣") {
		t.Fatalf("the briefing was posted %d/%d times: %v", len(es), len(en), posts)
	}
	if len(f.mx.pinned) != 2 {
		t.Fatalf("pinned: %q", f.mx.pinned)
	}
	enPost := posts[len(posts)-1].id
	if posts[len(posts)-1].room != "!en:test" {
		enPost = posts[0].id
	}

	// Halfway: the English room, which has not reacted, is chased once.
	f.clock.Set(madrid(t, "2026-11-23 21:02"))
	f.s.RunDue(ctx)
	f.s.RunDue(ctx)
	if chased := bodies(f.mx.take(), "!en:test"); len(chased) != 1 {
		t.Fatalf("chases of the English room: %q", chased)
	}
	if took, err := f.s.OnReaction(ctx, &event.Event{RoomID: "!en:test", Sender: "@bob:test", ID: "$r",
		Content: event.Content{Parsed: &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: enPost, Key: "👍"}}}}); err != nil || !took {
		t.Fatalf("the read was not taken: %v %v", took, err)
	}
	f.clock.Set(madrid(t, "2026-11-24 09:01"))
	f.s.RunDue(ctx)
	summary := bodies(f.mx.take(), "!es:test")
	if len(summary) != 1 || !strings.Contains(summary[0], "1 de 1 sala") {
		t.Fatalf("summary to the watch room: %q", summary)
	}

	// The Friday digest names the week's briefing in every room.
	f.clock.Set(madrid(t, "2026-11-27 18:00"))
	f.s.RunDue(ctx)
	posts = f.mx.take()
	for _, room := range []id.RoomID{"!es:test", "!en:test"} {
		got := bodies(posts, room)
		if len(got) != 1 || !strings.Contains(got[0], "🗞️") || !strings.Contains(got[0], ShortID(sc)) {
			t.Fatalf("digest %s in %s: %q", ShortID(digest), room, got)
		}
	}
}

// A briefing is forgotten once its retention has passed: its text, its
// occurrence and who read it; a younger one stays.
func TestBriefingsAreForgottenAfterTheirRetention(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-23 09:00"))
	f.s.settings.BriefRetention = 90 * 24 * time.Hour
	f.coalition(t)
	must(t, f.s.SetWatchRoom(ctx, "!es:test", "@ana:test", 50))
	old, err := f.s.Brief(ctx, "!es:test", "@ana:test", "Cierran el puente", rooms.Bot)
	must(t, err)
	f.clock.Set(madrid(t, "2026-11-24 10:00"))
	f.s.RunDue(ctx)
	f.mx.take()

	f.clock.Set(madrid(t, "2027-02-20 10:00")) // 89 days on
	young, err := f.s.Brief(ctx, "!es:test", "@ana:test", "Abren el puente", rooms.Bot)
	must(t, err)
	must(t, f.s.Prune(ctx))
	if sc, err := f.db.Schedule.Get(ctx, old.ID); err != nil || sc == nil {
		t.Fatalf("a briefing was forgotten before its time: %v", err)
	}
	f.clock.Set(madrid(t, "2027-02-22 10:00"))
	must(t, f.s.Prune(ctx))
	if sc, err := f.db.Schedule.Get(ctx, old.ID); err != nil || sc != nil {
		t.Fatalf("a briefing outlived its retention: %+v %v", sc, err)
	}
	if occ, err := f.db.Occurrence.Get(ctx, old.ID, old.CreatedAt.Add(time.Millisecond)); err != nil || occ != nil {
		t.Fatalf("its occurrence outlived it: %+v %v", occ, err)
	}
	if _, err := f.s.LatestBrief(ctx, "!en:test", old.ID); !errors.Is(err, ErrNoBriefing) {
		t.Fatalf("!brief status still finds it: %v", err)
	}
	if sc, err := f.db.Schedule.Get(ctx, young.ID); err != nil || sc == nil {
		t.Fatalf("the younger briefing went too: %v", err)
	}
}

// A room that no longer lets the bot post holds up no other: the briefing
// reaches the rest and its day goes on.
func TestABriefingGoesOnPastARoomThatRefusesTheBot(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-23 09:00"))
	f.coalition(t)
	must(t, f.s.SetWatchRoom(ctx, "!en:test", "@ana:test", 50))
	f.mx.refusing = map[id.RoomID]bool{"!es:test": true}
	sc, err := f.s.Brief(ctx, "!en:test", "@ana:test", "Bridge closed", rooms.Bot)
	must(t, err)
	f.clock.Set(madrid(t, "2026-11-23 09:01"))
	f.s.RunDue(ctx)
	if en := bodies(f.mx.take(), "!en:test"); len(en) != 1 {
		t.Fatalf("the watch room's copy: %q", en)
	}
	occ, err := f.db.Occurrence.Get(ctx, sc.ID, sc.LastOccurrence)
	must(t, err)
	if occ == nil || !occ.Done(database.StepPosted) {
		t.Fatal("one refusing room kept the briefing from being posted")
	}
}

// A briefing, or any schedule's text, must fit one event in every room with
// its translation: long texts are refused, and so are shorter ones that
// escaping would swell.
func TestBriefingsFitOneEvent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-23 09:00"))
	f.coalition(t)
	must(t, f.s.SetWatchRoom(ctx, "!es:test", "@ana:test", 50))
	for _, tc := range []struct {
		name string
		text string
		fits bool
	}{
		{"4000 letters", strings.Repeat("puente ", 571), true},
		{"4000 Arabic letters", strings.Repeat("جسر مغلق ", 444), true},
		{"4001 letters", strings.Repeat("a", 4001), false},
		{"3000 angle brackets", strings.Repeat("<", 3000), false},
		{"1000 angle brackets", strings.Repeat("<", 1000), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := f.s.Add(ctx, NewSchedule{Kind: database.KindVigil, RoomID: "!es:test", By: "@ana:test", When: "2026-12-10 19:00", Text: tc.text})
			if fits := !errors.Is(err, ErrTextTooLong); fits != tc.fits {
				t.Fatalf("as a vigil: fits = %v (%v), want %v", fits, err, tc.fits)
			}
			_, err = f.s.Brief(ctx, "!es:test", "@ana:test", tc.text, rooms.Bot)
			if fits := !errors.Is(err, ErrTextTooLong); fits != tc.fits || err != nil && fits {
				t.Fatalf("fits = %v (%v), want %v", fits, err, tc.fits)
			}
		})
	}
}

// A room taken out of its coalition takes none of its briefings along: its
// digest stays silent, and it gives up the watch role.
func TestADigestStopsWhenItsRoomLeaves(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-23 09:00"))
	f.coalition(t)
	must(t, f.db.CoalitionRoom.Insert(ctx, &database.CoalitionRoom{RoomID: "!fr:test", CoalitionID: "c", AddedBy: "@ana:test", AddedAt: f.clock.Now()}))
	must(t, f.s.SetWatchRoom(ctx, "!es:test", "@ana:test", 50))
	_, _, err := f.s.AddDigest(ctx, "!es:test", "@mod:test", "cada viernes 18:00", rooms.Bot)
	must(t, err)
	must(t, f.s.authority.RemoveFromCoalition(ctx, "!es:test"))
	must(t, f.s.SetWatchRoom(ctx, "!en:test", "@ben:test", 50))
	_, err = f.s.Brief(ctx, "!en:test", "@ben:test", "Closed border", rooms.Bot)
	must(t, err)
	f.clock.Set(madrid(t, "2026-11-27 18:00"))
	f.s.RunDue(ctx)
	for _, p := range f.mx.take() {
		if p.room == "!es:test" {
			t.Fatalf("the room that left got %q", p.body)
		}
	}
}
