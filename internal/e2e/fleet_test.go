package e2e

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// fleet is one bot in many coalitions: each coalition's rooms belong to
// one owner (an owner has several coalitions), and senders, one per
// coalition that talks, are members of its first room.
type fleet struct {
	setup      *botSetup
	bot        *testenv.Bot
	coalitions []*fleetCoalition
}

type fleetCoalition struct {
	owner *testenv.Client
	// rooms[0] is Spanish, rooms[1] English, rooms[2] Catalan, the rest English.
	rooms  []id.RoomID
	sender *testenv.Client
}

// coalitionsPerOwner: the owners build their coalitions in parallel, and
// each of their commands waits on the bot's sync, which grows with its
// rooms, so more owners put more commands in each sync; 1 000 rooms took
// 13m40s with 25 owners, 10m39s with 50, and with 100 the homeserver's
// syncs slowed to seconds. The test clients, each syncing and holding its
// own keys, stay far fewer than the rooms.
const coalitionsPerOwner = 4

var fleetLangs = []string{"es", "en", "ca"}

// buildFleet creates coalitions of rooms encrypted rooms each, linked by
// their owners' commands, the owners working in parallel; talking of them
// get a sender in their first room.
func buildFleet(tb testing.TB, coalitions, rooms, talking int) *fleet {
	tb.Helper()
	owners := make([]*testenv.Client, (coalitions+coalitionsPerOwner-1)/coalitionsPerOwner)
	ids := make([]id.UserID, len(owners))
	var wg sync.WaitGroup
	for i := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owners[i] = user(tb, "owner")
			ids[i] = owners[i].UserID
		}()
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	f := &fleet{setup: newBot(tb, ids...)}
	f.bot = f.setup.start(tb)
	bot := f.setup.userID
	for i := range coalitions {
		f.coalitions = append(f.coalitions, &fleetCoalition{owner: owners[i/coalitionsPerOwner]})
	}
	for o := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := o * coalitionsPerOwner; i < min(coalitions, (o+1)*coalitionsPerOwner); i++ {
				c := f.coalitions[i]
				for r := range rooms {
					room := c.owner.CreateRoom(testenv.RoomOptions{Name: fmt.Sprintf("Coalition %d room %d", i, r), Encrypted: true, Invite: []id.UserID{bot}})
					c.rooms = append(c.rooms, room)
				}
				for r, room := range c.rooms {
					c.owner.WaitForMembership(room, bot, event.MembershipJoin, time.Minute)
					if r < len(fleetLangs) && fleetLangs[r] != "en" {
						ask(tb, c.owner, room, bot, "!lang room "+fleetLangs[r])
					}
				}
				code := askCode(tb, c.owner, c.rooms[0], bot, fmt.Sprintf("!link new Coalition %d", i))
				for r, room := range c.rooms[1:] {
					if r > 0 {
						code = askCode(tb, c.owner, c.rooms[0], bot, "!link code")
					}
					ask(tb, c.owner, room, bot, "!link join "+code)
				}
			}
		}()
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	// The senders join side by side: one after another, they took minutes.
	for i, c := range f.coalitions[:talking] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.sender = user(tb, fmt.Sprintf("sender%d-", i))
			if _, err := c.owner.InviteUser(tb.Context(), c.rooms[0], &mautrix.ReqInviteUser{UserID: c.sender.UserID}); err != nil {
				tb.Error(err)
				return
			}
			c.sender.Join(c.rooms[0], c.owner.UserID, bot)
			c.owner.WaitForMembership(c.rooms[0], c.sender.UserID, event.MembershipJoin, time.Minute)
		}()
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
	return f
}

// traffic is what a burst of parallel senders gave.
type traffic struct {
	delivery, copy  []time.Duration // per message; per copy, from the send
	copies          int
	took            time.Duration // from the first send to the last copy
	lost, reordered int
}

var markerRE = regexp.MustCompile(`Qz(\d+)k(\d+)v`)

// talk has every sender send n messages in its coalition's first room, all
// senders at once, and waits for each message in its own room (seen by the
// owner) and for every copy in the coalition's other rooms. With every > 0
// each sender sends one message every so often, the senders spread over
// that time (sustained traffic); with 0, as fast as they can (a burst).
func (f *fleet) talk(tb testing.TB, round string, n int, every time.Duration) traffic {
	tb.Helper()
	bot := f.setup.userID
	var talking []*fleetCoalition
	for _, c := range f.coalitions {
		if c.sender != nil {
			talking = append(talking, c)
		}
	}
	sentAt := make([][]time.Time, len(talking))
	sentIDs := make([][]id.EventID, len(talking))
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range talking {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range n {
				if every > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(k)*every + time.Duration(i)*every/time.Duration(len(talking)))))
				}
				sentAt[i] = append(sentAt[i], time.Now())
				sentIDs[i] = append(sentIDs[i], c.sender.SendText(c.rooms[0], fmt.Sprintf("Mensaje %s Qz%dk%03dv de la ronda", round, i, k)))
			}
		}()
	}
	wg.Wait()
	var out traffic
	var last time.Time
	for i, c := range talking {
		want := n * (len(c.rooms) - 1)
		c.owner.Eventually("every copy of sender "+strconv.Itoa(i), 5*time.Minute, func() bool {
			return f.copiesOf(c, round, i) >= want
		})
		for k, evt := range sentIDs[i] {
			var at time.Time
			c.owner.Eventually("the original in its own room", time.Minute, func() bool { at = c.owner.Arrived(evt); return !at.IsZero() })
			out.delivery = append(out.delivery, at.Sub(sentAt[i][k]))
		}
		for _, room := range c.rooms[1:] {
			seen := -1
			got := 0
			for _, e := range c.owner.Messages(room, bot) {
				m := markerRE.FindStringSubmatch(testenv.Body(e))
				if m == nil || m[1] != strconv.Itoa(i) || !strings.Contains(testenv.Body(e), round) {
					continue
				}
				k, _ := strconv.Atoi(m[2])
				if k < seen {
					out.reordered++
				}
				seen = max(seen, k)
				got++
				arrived := c.owner.Arrived(e.ID)
				out.copy = append(out.copy, arrived.Sub(sentAt[i][k]))
				if arrived.After(last) {
					last = arrived
				}
			}
			out.copies += got
			out.lost += n - got
		}
	}
	out.took = last.Sub(start)
	return out
}

// copiesOf counts the copies of sender i's messages of the round in the
// coalition's other rooms.
func (f *fleet) copiesOf(c *fleetCoalition, round string, i int) int {
	got := 0
	tag := "Qz" + strconv.Itoa(i) + "k"
	for _, room := range c.rooms[1:] {
		for _, e := range c.owner.Messages(room, f.setup.userID) {
			if b := testenv.Body(e); strings.Contains(b, tag) && strings.Contains(b, round) {
				got++
			}
		}
	}
	return got
}

// add counts another round of traffic in.
func (t *traffic) add(o traffic) {
	t.delivery, t.copy = append(t.delivery, o.delivery...), append(t.copy, o.copy...)
	t.copies, t.lost, t.reordered, t.took = t.copies+o.copies, t.lost+o.lost, t.reordered+o.reordered, t.took+o.took
}
