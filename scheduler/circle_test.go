package scheduler

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
)

// A quarterly listening circle: announced in every room with its
// facilitator, who turns over three people from one circle to the next;
// two hours after it starts, its retro opens to who said they came and to
// the facilitator, once.
func TestListeningCircleTurnsAndOpensItsRetro(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-22 12:00"))
	f.coalition(t)
	type retro struct {
		at     time.Time
		people []id.UserID
	}
	var retros []retro
	f.s.settings.Retro = func(_ context.Context, sc *database.Schedule, at time.Time, people []id.UserID) error {
		retros = append(retros, retro{at, people})
		return nil
	}
	sc, first, err := f.s.Add(ctx, NewSchedule{Kind: database.KindCircle, RoomID: "!es:test", By: "@ana:test",
		When: "cada 3 meses primer lunes 18:00", Text: "¿Cómo repartimos el trabajo?", Template: "solidarity-retro",
		Rotation: []id.UserID{"@a:test", "@b:test", "@c:test"}})
	must(t, err)
	if !first.Equal(madrid(t, "2026-12-07 18:00")) || !strings.HasPrefix(ShortID(sc), "o") {
		t.Fatalf("first circle %v, id %s", first, ShortID(sc))
	}
	posts := f.mx.take()
	es, en := bodies(posts, "!es:test"), bodies(posts, "!en:test")
	if len(es) != 1 || !strings.Contains(es[0], "Círculo de escucha") || !strings.Contains(es[0], "Facilita esta vez: `@a:test`") ||
		len(en) != 1 || !strings.Contains(en[0], "Facilitating this time: `@a:test`") {
		t.Fatalf("announcements: %q / %q", es, en)
	}
	announcement := posts[0].id
	if took, err := f.s.OnReaction(ctx, &event.Event{RoomID: posts[0].room, Sender: "@x:test", ID: "$rsvp",
		Content: event.Content{Parsed: &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: announcement, Key: "👍"}}}}); err != nil || !took {
		t.Fatalf("RSVP not taken: %v %v", took, err)
	}

	want := []struct {
		at, facilitator string
	}{{"2026-12-07 18:00", "@a:test"}, {"2027-03-01 18:00", "@b:test"}, {"2027-06-07 18:00", "@c:test"}, {"2027-09-06 18:00", "@a:test"}}
	for i, w := range want {
		at := madrid(t, w.at)
		f.clock.Set(at.Add(-time.Hour))
		f.s.RunDue(ctx)
		hour := bodies(f.mx.take(), "!en:test")
		if len(hour) != 1 || !strings.Contains(hour[0], "In an hour") || !strings.Contains(hour[0], "`"+w.facilitator+"`") {
			t.Fatalf("circle %d: the hour's notice %q, want facilitator %s", i+1, hour, w.facilitator)
		}
		f.clock.Set(at.Add(circleLength + time.Minute))
		f.s.RunDue(ctx)
		f.s.RunDue(ctx)
		f.mx.take()
		if len(retros) != i+1 || !retros[i].at.Equal(at) {
			t.Fatalf("circle %d: retros %+v", i+1, retros)
		}
	}
	if !slices.Equal(retros[0].people, []id.UserID{"@x:test", "@a:test"}) || !slices.Equal(retros[1].people, []id.UserID{"@b:test"}) {
		t.Fatalf("retro participants: %v, then %v", retros[0].people, retros[1].people)
	}
}
