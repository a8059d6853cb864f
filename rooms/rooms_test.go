package rooms

import (
	"context"
	"slices"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/dbtest"
)

const (
	bot   = id.UserID("@bot:test")
	alice = id.UserID("@alice:test")
	mal   = id.UserID("@mallory:test")
)

func TestDirectChatIsCheckedFromState(t *testing.T) {
	tests := []struct {
		name string
		m    Membership
		want id.UserID
	}{
		{"the bot and one person, joined", Membership{Joined: []id.UserID{bot, alice}, Encrypted: true}, alice},
		{"the person only invited to a room the bot made for them", Membership{Joined: []id.UserID{bot}, Invited: []id.UserID{alice}, MadeFor: alice, Encrypted: true}, alice},
		{"the person only invited to someone else's room", Membership{Joined: []id.UserID{bot}, Invited: []id.UserID{alice}, Encrypted: true}, ""},
		{"a third person joined", Membership{Joined: []id.UserID{bot, alice, mal}, Encrypted: true}, ""},
		{"a third person invited", Membership{Joined: []id.UserID{bot, alice}, Invited: []id.UserID{mal}, Encrypted: true}, ""},
		{"made for alice, but mallory is the one in it", Membership{Joined: []id.UserID{bot, mal}, Invited: []id.UserID{alice}, MadeFor: alice, Encrypted: true}, ""},
		{"not encrypted", Membership{Joined: []id.UserID{bot, alice}}, ""},
		{"the bot only invited", Membership{Joined: []id.UserID{alice}, Invited: []id.UserID{bot}, Encrypted: true}, ""},
		{"anyone may join", Membership{Joined: []id.UserID{bot, alice}, Encrypted: true, JoinRule: event.JoinRulePublic}, ""},
		{"members of another room may join", Membership{Joined: []id.UserID{bot, alice}, Encrypted: true, JoinRule: event.JoinRuleRestricted}, ""},
		{"invite only", Membership{Joined: []id.UserID{bot, alice}, Encrypted: true, JoinRule: event.JoinRuleInvite}, alice},
		{"the bot alone", Membership{Joined: []id.UserID{bot}, Encrypted: true}, ""},
		{"a member listed twice is one", Membership{Joined: []id.UserID{bot, alice, alice}, Encrypted: true}, alice},
		{"a room set up with only the bot so far", Membership{Joined: []id.UserID{bot, alice}, Encrypted: true, Claimed: false}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.Bot = bot
			if tt.name != "a room set up with only the bot so far" {
				tt.m.Claimed = true
			}
			if got := directPerson(tt.m); got != tt.want {
				t.Fatalf("direct chat with %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzDirectChat: whatever the membership, a direct chat is never claimed
// unless exactly the bot and that one person are in it and it is encrypted.
func FuzzDirectChat(f *testing.F) {
	f.Add(uint16(0b0011), uint16(0), "", true, "")
	f.Add(uint16(0b0001), uint16(0b0010), "@u1:test", true, "invite")
	f.Add(uint16(0b0111), uint16(0), "", true, "public")
	users := []id.UserID{bot, "@u1:test", "@u2:test", "@u3:test", "@u1:test"}
	f.Fuzz(func(t *testing.T, joinedBits, invitedBits uint16, madeFor string, encrypted bool, rule string) {
		m := Membership{Bot: bot, Claimed: true, MadeFor: id.UserID(madeFor), Encrypted: encrypted, JoinRule: event.JoinRule(rule)}
		for i, u := range users {
			if joinedBits&(1<<i) != 0 {
				m.Joined = append(m.Joined, u)
			} else if invitedBits&(1<<i) != 0 {
				m.Invited = append(m.Invited, u)
			}
		}
		person := directPerson(m)
		if person == "" {
			return
		}
		members := map[id.UserID]bool{}
		for _, u := range append(append([]id.UserID{}, m.Joined...), m.Invited...) {
			members[u] = true
		}
		switch {
		case !encrypted:
			t.Fatal("an unencrypted room counted as a direct chat")
		case person == bot:
			t.Fatal("the bot counted as the person")
		case !slices.Contains(m.Joined, bot):
			t.Fatal("a room the bot is not joined to counted")
		case len(members) != 2 || !members[person]:
			t.Fatalf("a room with members %v counted as a direct chat with %s", members, person)
		case !slices.Contains(m.Joined, person) && person != m.MadeFor:
			t.Fatal("an invited person counted in a room the bot did not make for them")
		case rule == "public" || rule == "restricted" || rule == "knock_restricted":
			t.Fatalf("a room with join rule %q counted", rule)
		}
	})
}

func TestOriginOfEvents(t *testing.T) {
	plain := &event.Event{RoomID: "!a:test", Type: event.EventMessage}
	queued := &event.Event{RoomID: "!a:test", Type: event.EventEncrypted}
	decrypted := &event.Event{RoomID: "!a:test", Type: event.EventMessage}
	decrypted.Mautrix.WasEncrypted = true
	for _, tc := range []struct {
		name string
		evt  *event.Event
		want bool
	}{{"plain", plain, false}, {"still encrypted", queued, true}, {"decrypted", decrypted, true}} {
		if got := FromEvent(tc.evt); got.Encrypted != tc.want || got.Room != "!a:test" {
			t.Errorf("%s: origin %+v, want encrypted=%v", tc.name, got, tc.want)
		}
	}
	mixed := Bot.With(FromEvent(plain)).With(Origin{Room: "!b:test", Encrypted: true})
	if !mixed.Encrypted || mixed.Room != "" {
		t.Fatalf("content from two rooms, one encrypted: origin %+v", mixed)
	}
}

// What a room made for its coalition reaches the coalition only while that
// room is in it; check-ins leave the responder room out.
func TestScopeFollowsMembership(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	a := New(db, nil, Settings{})
	now := time.Now()
	if err := db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@m:x", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []id.RoomID{"!a:x", "!b:x", "!resp:x"} {
		if err := db.CoalitionRoom.Insert(ctx, &database.CoalitionRoom{RoomID: r, CoalitionID: "c", AddedBy: "@m:x", AddedAt: now}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Millisecond)
	}
	if err := db.Incident.SetResponderRoom(ctx, "c", "!resp:x"); err != nil {
		t.Fatal(err)
	}
	scope := func(owner id.RoomID, coalition string, withoutResponder bool) []id.RoomID {
		t.Helper()
		got, err := a.Scope(ctx, owner, coalition, withoutResponder)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, tc := range []struct {
		name             string
		owner            id.RoomID
		coalition        string
		withoutResponder bool
		want             []id.RoomID
	}{
		{"a vigil of a member room", "!a:x", "c", false, []id.RoomID{"!a:x", "!b:x", "!resp:x"}},
		{"a check-in of a member room", "!a:x", "c", true, []id.RoomID{"!a:x", "!b:x"}},
		{"a check-in of the responder room itself", "!resp:x", "c", true, []id.RoomID{"!a:x", "!b:x", "!resp:x"}},
		{"a room's own", "!a:x", "", true, []id.RoomID{"!a:x"}},
		{"made for another coalition", "!a:x", "other", false, []id.RoomID{"!a:x"}},
	} {
		if got := scope(tc.owner, tc.coalition, tc.withoutResponder); !slices.Equal(got, tc.want) {
			t.Errorf("%s: scope %v, want %v", tc.name, got, tc.want)
		}
	}
	if err := db.CoalitionRoom.Delete(ctx, "!a:x"); err != nil {
		t.Fatal(err)
	}
	if got := scope("!a:x", "c", false); !slices.Equal(got, []id.RoomID{"!a:x"}) {
		t.Fatalf("a room taken out of the coalition still reaches %v", got)
	}
}

// A watch circle that leaves its coalition, or is taken out, leaves the
// role for the others to give, and does not get it back by returning.
func TestALeavingRoomTakesNoRoleAlong(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	a := New(db, nil, Settings{})
	now := time.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@m:x", CreatedAt: now}))
	for _, r := range []id.RoomID{"!a:x", "!b:x"} {
		must(a.AddToCoalition(ctx, r, "c", "@m:x", now))
	}
	if moved, err := a.MoveWatchRoom(ctx, "c", "", "!a:x"); err != nil || !moved {
		t.Fatalf("the role was not given: %v", err)
	}
	must(a.RemoveFromCoalition(ctx, "!a:x"))
	must(a.AddToCoalition(ctx, "!a:x", "c", "@m:x", now))
	if watch, err := a.WatchRoom(ctx, "c"); err != nil || watch != "" {
		t.Fatalf("the watch circle is %q after it left and came back (%v)", watch, err)
	}
}

func TestAvailability(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	a := New(db, nil, Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Person.SetTimezone(ctx, "@ana:x", "America/Santiago"))
	must(db.Person.SetAway(ctx, "@ana:x", "2026-12-20", "2027-01-06"))
	must(db.Person.SetQuiet(ctx, "@ana:x", 23*60, 7*60))
	must(db.Person.SetQuiet(ctx, "@ben:x", 12*60, 13*60))
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		must(err)
		return v
	}
	tests := []struct {
		name      string
		user      id.UserID
		at        string
		away      bool
		quiet     bool
		quietEnds string
	}{
		{name: "the day before, in Santiago", user: "@ana:x", at: "2026-12-20T02:00:00Z", away: false, quiet: true, quietEnds: "2026-12-20T10:00:00Z"},
		{name: "the first day", user: "@ana:x", at: "2026-12-20T15:00:00Z", away: true},
		{name: "the last day, late in Santiago", user: "@ana:x", at: "2027-01-07T02:30:00Z", away: true, quiet: true, quietEnds: "2027-01-07T10:00:00Z"},
		{name: "back", user: "@ana:x", at: "2027-01-07T15:00:00Z", away: false},
		{name: "quiet before midnight ends the next morning", user: "@ana:x", at: "2026-12-10T03:00:00Z", quiet: true, quietEnds: "2026-12-10T10:00:00Z"},
		{name: "quiet at noon, in UTC", user: "@ben:x", at: "2026-12-10T12:30:00Z", quiet: true, quietEnds: "2026-12-10T13:00:00Z"},
		{name: "not quiet after", user: "@ben:x", at: "2026-12-10T13:00:00Z"},
		{name: "someone who set nothing", user: "@cai:x", at: "2026-12-24T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Away(ctx, tt.user, at(tt.at)); got != tt.away {
				t.Errorf("away %v, want %v", got, tt.away)
			}
			quiet, ends := a.Quiet(ctx, tt.user, at(tt.at))
			if quiet != tt.quiet || quiet && !ends.Equal(at(tt.quietEnds)) {
				t.Errorf("quiet %v until %s, want %v until %s", quiet, ends.UTC(), tt.quiet, tt.quietEnds)
			}
		})
	}
}
