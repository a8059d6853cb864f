package e2e

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// coalitionsPerOwner keeps the number of test clients, each syncing and
// holding its own keys, well below the number of rooms.
const coalitionsPerOwner = 8

var fleetLangs = []string{"es", "en", "ca"}

// buildFleet creates coalitions of rooms encrypted rooms each, linked by
// their owners' commands, the owners working in parallel; talking of them
// get a sender in their first room.
func buildFleet(tb testing.TB, coalitions, rooms, talking int) *fleet {
	tb.Helper()
	owners := make([]*testenv.Client, (coalitions+coalitionsPerOwner-1)/coalitionsPerOwner)
	ids := make([]id.UserID, len(owners))
	for i := range owners {
		owners[i] = user(tb, "owner")
		ids[i] = owners[i].UserID
	}
	f := &fleet{setup: newBot(tb, ids...)}
	f.bot = f.setup.start(tb)
	bot := f.setup.userID
	for i := range coalitions {
		f.coalitions = append(f.coalitions, &fleetCoalition{owner: owners[i/coalitionsPerOwner]})
	}
	var wg sync.WaitGroup
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
	for i, c := range f.coalitions[:talking] {
		c.sender = user(tb, fmt.Sprintf("sender%d-", i))
		if _, err := c.owner.InviteUser(tb.Context(), c.rooms[0], &mautrix.ReqInviteUser{UserID: c.sender.UserID}); err != nil {
			tb.Fatal(err)
		}
		c.sender.Join(c.rooms[0], c.owner.UserID, bot)
		c.owner.WaitForMembership(c.rooms[0], c.sender.UserID, event.MembershipJoin, time.Minute)
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

// Several coalitions talking at once: every copy arrives, in each room in
// the order it was sent, and no coalition's copies reach another's rooms.
func TestCoalitionsTalkingAtOnce(t *testing.T) {
	f := buildFleet(t, 3, 3, 3)
	got := f.talk(t, "Rpar", 10, 0)
	if got.lost != 0 || got.reordered != 0 || got.copies != 3*10*2 {
		t.Fatalf("%d copies, %d lost, %d out of order; want 60, none lost or reordered", got.copies, got.lost, got.reordered)
	}
	for i := range f.coalitions {
		for j, other := range f.coalitions {
			if i == j {
				continue
			}
			for _, room := range other.rooms {
				for _, e := range other.owner.Messages(room, f.setup.userID) {
					if m := markerRE.FindStringSubmatch(testenv.Body(e)); m != nil && m[1] == strconv.Itoa(i) {
						t.Fatalf("coalition %d's message reached coalition %d: %q", i, j, testenv.Body(e))
					}
				}
			}
		}
	}
}

// envInt reads a size of the scale benchmark from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkScale: one bot in STARLING_SCALE_COALITIONS coalitions (200) of
// STARLING_SCALE_ROOMS encrypted rooms (5), on one Dendrite. It measures,
// with one room (or one coalition of two) and with all of them, a
// command's round trip and a copy's latency, against the homeserver's own
// delivery in the same run; commands from many rooms at once; a restart to
// ready and to the first copy; RSS idle and under load; and
// STARLING_SCALE_SENDERS senders (50) in as many coalitions, sending
// STARLING_SCALE_MESSAGES messages (10) each, first one every
// STARLING_SCALE_EVERY (20s) each (sustained traffic), then as fast as
// they can (a burst): copy latency against the same messages' delivery in
// their own rooms, copies/s, CPU per copy against the homeserver's per
// event, and database growth per 1 000 relayed messages, in SQLite or, with
// STARLING_SCALE_DATABASE=postgres, PostgreSQL. `make bench-scale` runs it.
func BenchmarkScale(b *testing.B) {
	engine := "SQLite"
	if os.Getenv("STARLING_SCALE_DATABASE") == "postgres" {
		postgres(b)
		engine = "PostgreSQL"
	}
	coalitions := envInt("STARLING_SCALE_COALITIONS", 200)
	rooms := envInt("STARLING_SCALE_ROOMS", 5)
	senders := min(envInt("STARLING_SCALE_SENDERS", 50), coalitions)
	perSender := envInt("STARLING_SCALE_MESSAGES", 10)
	every, err := time.ParseDuration(cmp.Or(os.Getenv("STARLING_SCALE_EVERY"), "20s"))
	if err != nil {
		b.Fatalf("STARLING_SCALE_EVERY: %v", err)
	}
	var table [][2]string
	row := func(what, value string) {
		table = append(table, [2]string{what, value})
	}

	// The one-room figures, before there is a fleet: a command in a room,
	// and a copy in a coalition of two rooms.
	s := newScene(b)
	friend := s.member(b, "friend")
	oneRoom, homeserver := commandRoundTrip(b, s.alice, friend, s.room, s.setup.userID)
	oneSync := botAccountSync(b, s.setup, s.alice, s.room)
	second := encryptedRoomWithBot(b, s.alice, s.setup.userID)
	ask(b, s.alice, s.room, s.setup.userID, "!lang room es")
	ask(b, s.alice, second, s.setup.userID, "!link join "+askCode(b, s.alice, s.room, s.setup.userID, "!link new Solo"))
	oneCopy, oneDelivery := copyRoundTrip(b, friend, s.alice, s.room, second, s.setup.userID)
	s.bot.Stop()

	setupStart := time.Now()
	hsSetup, selfSetup := homeserverCPU(b), cpuTime(b, os.Getpid(), false)
	f := buildFleet(b, coalitions, rooms, senders)
	setup := time.Since(setupStart)
	busy := func(cpu time.Duration) string { return fmt.Sprintf("%.0f %%", 100*cpu.Seconds()/setup.Seconds()) }
	row("rooms (coalitions × rooms)", fmt.Sprintf("%d (%d × %d)", coalitions*rooms, coalitions, rooms))
	hsEngine := "SQLite"
	if hsOnPostgres {
		hsEngine = "PostgreSQL (its CPU counted as the homeserver's)"
	}
	row("databases: homeserver, bot", hsEngine+", "+engine)
	row("set-up by the test clients; CPU busy: homeserver, test clients, bot", fmt.Sprintf("%s; %s, %s, %s", setup.Round(time.Second),
		busy(homeserverCPU(b)-hsSetup), busy(cpuTime(b, os.Getpid(), false)-selfSetup), busy(cpuTime(b, f.bot.PID(), true))))
	first := f.coalitions[0]
	// Measured as before: in a room of two people and the bot, in no
	// coalition; two new people, in no other room, so that only the bot's
	// account is in many rooms.
	asker, other := user(b, "asker"), user(b, "friend")
	plain := first.owner.CreateRoom(testenv.RoomOptions{Name: "Measure", Encrypted: true, Invite: []id.UserID{f.setup.userID, asker.UserID, other.UserID}})
	asker.Join(plain, first.owner.UserID, f.setup.userID)
	other.Join(plain, first.owner.UserID, f.setup.userID, asker.UserID)
	asker.WaitForMembership(plain, other.UserID, event.MembershipJoin, time.Minute)
	asker.WaitForMembership(plain, f.setup.userID, event.MembershipJoin, time.Minute)
	manyRooms, homeserverMany := commandRoundTrip(b, asker, other, plain, f.setup.userID)
	row("command round trip p50, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×)", ms(oneRoom), ms(manyRooms), float64(manyRooms)/float64(oneRoom)))
	row("same user's plain delivery p50, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×)", ms(homeserver), ms(homeserverMany), float64(homeserverMany)/float64(homeserver)))
	manySync := botAccountSync(b, f.setup, asker, plain)
	row("homeserver's incremental sync for the bot's account p50, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.1f×)", ms(oneSync), ms(manySync), float64(manySync)/float64(oneSync)))
	ownOne, ownMany := oneRoom-oneSync, manyRooms-manySync
	row("command round trip less that sync, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×)", ms(ownOne), ms(ownMany), float64(ownMany)/float64(ownOne)))
	manyCopy, manyDelivery := copyRoundTrip(b, first.sender, first.owner, first.rooms[0], first.rooms[1], f.setup.userID)
	row("copy latency p50, a coalition of 2 rooms alone → among all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×); its same-room delivery %.0f → %.0f ms (%.2f×)",
		ms(oneCopy), ms(manyCopy), float64(manyCopy)/float64(oneCopy), ms(oneDelivery), ms(manyDelivery), float64(manyDelivery)/float64(oneDelivery)))
	together, cmds, plains := commandsAtOnce(b, f, 3)
	row(fmt.Sprintf("%d commands at once, from as many rooms: round trip p50 / p95 (as many plain messages at once, seen back by their senders)", together),
		fmt.Sprintf("%.0f / %.0f ms (%.0f / %.0f ms); one command alone: %.0f ms p50", ms(cmds[0]), ms(cmds[1]), ms(plains[0]), ms(plains[1]), ms(manyRooms)))

	// A restart with all that state.
	f.bot.Stop()
	restarted := time.Now()
	f.bot = f.setup.start(b) // returns once it is ready
	ready := time.Since(restarted)
	first.sender.SendText(first.rooms[0], "Después del reinicio Qzrestartv")
	first.owner.WaitForMessage(first.rooms[1], f.setup.userID, 5*time.Minute, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Qzrestartv")
	})
	row("restart: to ready, to the first copy", fmt.Sprintf("%.1f s, %.1f s", ready.Seconds(), time.Since(restarted).Seconds()))
	time.Sleep(3 * time.Second)
	idle := rssKB(b, f.bot.PID())

	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if kb := rssKB(b, f.bot.PID()); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	dbSize := func() int64 {
		if f.setup.dbURI != "" {
			return pgBytes(b, f.setup.dbURI)
		}
		return dbBytes(b, filepath.Join(f.setup.dir, "starling.db"))
	}
	dbBefore := dbSize()
	bot0, all0, hs0 := cpuTime(b, f.bot.PID(), false), cpuTime(b, f.bot.PID(), true), homeserverCPU(b)
	b.ResetTimer()
	var sustained, burst traffic
	for i := range b.N {
		sustained.add(f.talk(b, fmt.Sprintf("Rs%d", i), perSender, every))
		burst.add(f.talk(b, fmt.Sprintf("Rb%d", i), perSender, 0))
	}
	b.StopTimer()
	bot1, all1, hs1 := cpuTime(b, f.bot.PID(), false), cpuTime(b, f.bot.PID(), true), homeserverCPU(b)
	close(stop)
	<-sampled
	row("RSS idle, under load", fmt.Sprintf("%.0f MB, %.0f MB", float64(idle)/1024, float64(peak.Load())/1024))
	d50, d95 := percentiles(sustained.delivery)
	s50, s95 := percentiles(sustained.copy)
	row(fmt.Sprintf("%d senders, one message every %s each: copy latency p50 / p95 (same-room delivery)", senders, every),
		fmt.Sprintf("%.0f / %.0f ms (%.0f / %.0f ms): %.2f× at p95; %d copies, %d lost, %d out of order",
			ms(s50), ms(s95), ms(d50), ms(d95), float64(s95)/float64(d95), sustained.copies, sustained.lost, sustained.reordered))
	bd50, bd95 := percentiles(burst.delivery)
	b50, b95 := percentiles(burst.copy)
	row(fmt.Sprintf("the same senders at once, %d messages each as fast as they can: copies/s", perSender),
		fmt.Sprintf("%.1f (%d copies, %d lost, %d out of order)", float64(burst.copies)/burst.took.Seconds(), burst.copies, burst.lost, burst.reordered))
	row("that burst's copy latency p50 / p95 (same-room delivery)", fmt.Sprintf("%.0f / %.0f ms (%.0f / %.0f ms): %.2f× at p95",
		ms(b50), ms(b95), ms(bd50), ms(bd95), float64(b95)/float64(bd95)))
	copies := sustained.copies + burst.copies
	originals := float64(2 * senders * perSender * b.N)
	perCopy := float64((all1 - all0).Microseconds()) / 1000 / float64(copies)
	perEvent := float64((hs1 - hs0).Microseconds()) / 1000 / (originals + float64(copies))
	row("CPU per copy: bot, its translation, homeserver per event", fmt.Sprintf("%.1f ms, %.1f ms, %.1f ms: %.2f×",
		float64((bot1-bot0).Microseconds())/1000/float64(copies), float64(((all1-bot1)-(all0-bot0)).Microseconds())/1000/float64(copies), perEvent, perCopy/perEvent))
	row(engine+" growth per 1 000 relayed messages", fmt.Sprintf("%.0f KB", float64(dbSize()-dbBefore)/originals*1000/1024))
	if lost, reordered := sustained.lost+burst.lost, sustained.reordered+burst.reordered; lost != 0 || reordered != 0 {
		b.Errorf("%d copies lost, %d out of order", lost, reordered)
	}
	b.ReportMetric(perCopy/perEvent, "bot_cpu/homeserver_cpu")
	b.ReportMetric(float64(s95)/float64(d95), "copy_p95/delivery_p95")
	b.ReportMetric(float64(manyCopy)/float64(oneCopy), "copy_many/copy_one")
	b.ReportMetric(ready.Seconds(), "ready_s")
	b.ReportMetric(float64(idle)/1024, "idle_rss_MB")

	var out strings.Builder
	out.WriteString("\n| measure | figure |\n|---|---|\n")
	for _, r := range table {
		out.WriteString("| " + r[0] + " | " + r[1] + " |\n")
	}
	b.Log(out.String())
}

// add counts another round of traffic in.
func (t *traffic) add(o traffic) {
	t.delivery, t.copy = append(t.delivery, o.delivery...), append(t.copy, o.copy...)
	t.copies, t.lost, t.reordered, t.took = t.copies+o.copies, t.lost+o.lost, t.reordered+o.reordered, t.took+o.took
}

// copyRoundTrip is the p50 of a copy's latency, from sender's message in
// src to its copy in dst as watcher sees it, and of the same message's
// delivery to watcher in src; one message at a time.
func copyRoundTrip(tb testing.TB, sender, watcher *testenv.Client, src, dst id.RoomID, bot id.UserID) (copied, delivery time.Duration) {
	tb.Helper()
	var copies, deliveries []time.Duration
	for i := range 15 {
		marker := fmt.Sprintf("Qzcopy%dv%d", i, userSeq.Add(1))
		start := time.Now()
		sent := sender.SendText(src, "Nos vemos mañana en la plaza para la asamblea "+marker)
		watcher.WaitForMessage(src, sender.UserID, time.Minute, func(e *event.Event) bool { return e.ID == sent })
		c := watcher.WaitForMessage(dst, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), marker) })
		deliveries = append(deliveries, watcher.Arrived(sent).Sub(start))
		copies = append(copies, watcher.Arrived(c.ID).Sub(start))
	}
	copied, _ = percentiles(copies)
	delivery, _ = percentiles(deliveries)
	return copied, delivery
}

// commandsAtOnce has every owner of the fleet send a command in a room of
// its own at the same moment, rounds times, and, as the baseline, a plain
// message each, at once too, seen back by its sender. It gives how many
// were sent at once and the p50 and p95 of the command round trips and of
// the plain messages' returns.
func commandsAtOnce(tb testing.TB, f *fleet, rounds int) (together int, cmd, plain [2]time.Duration) {
	tb.Helper()
	var owners []*fleetCoalition
	for _, c := range f.coalitions {
		if !slices.ContainsFunc(owners, func(o *fleetCoalition) bool { return o.owner == c.owner }) {
			owners = append(owners, c)
		}
	}
	var mu sync.Mutex
	var cmds, plains []time.Duration
	atOnce := func(each func(c *fleetCoalition) time.Duration, into *[]time.Duration) {
		var wg sync.WaitGroup
		for _, c := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				took := each(c)
				mu.Lock()
				*into = append(*into, took)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	for range rounds {
		atOnce(func(c *fleetCoalition) time.Duration {
			start := time.Now()
			sent := c.owner.SendText(c.rooms[1], "!lang")
			reply := c.owner.WaitForReply(c.rooms[1], f.setup.userID, sent, 2*time.Minute)
			return c.owner.Arrived(reply.ID).Sub(start)
		}, &cmds)
		atOnce(func(c *fleetCoalition) time.Duration {
			start := time.Now()
			sent := c.owner.SendText(c.rooms[1], "Nada que traducir Qzplainv")
			var at time.Time
			c.owner.Eventually("a plain message seen back", 2*time.Minute, func() bool { at = c.owner.Arrived(sent); return !at.IsZero() })
			return at.Sub(start)
		}, &plains)
		// The plain messages are relayed: their copies are sent before the
		// next round's commands, which would otherwise wait behind them.
		waitRelayDone(tb, f.bot)
	}
	cmd[0], cmd[1] = percentiles(cmds)
	plain[0], plain[1] = percentiles(plains)
	return len(owners), cmd, plain
}

// pgBytes is the size of the PostgreSQL database at uri, after a VACUUM so
// that dead rows count as SQLite's freed pages do.
func pgBytes(tb testing.TB, uri string) int64 {
	tb.Helper()
	db, err := sql.Open("postgres", uri)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var size int64
	if _, err = db.Exec("VACUUM"); err != nil {
		tb.Fatal(err)
	}
	if err = db.QueryRow("SELECT pg_database_size(current_database())").Scan(&size); err != nil {
		tb.Fatal(err)
	}
	return size
}

// botAccountSync is the p50 of the time the homeserver takes to answer an
// incremental sync for the bot's account right after a message in room:
// what every command and copy waits for before the bot sees it, with no bot
// code involved. It uses a second session of the account, logged out after.
func botAccountSync(tb testing.TB, setup *botSetup, sender *testenv.Client, room id.RoomID) time.Duration {
	tb.Helper()
	ctx := tb.Context()
	other, err := mautrix.NewClient(hs.URL, "", "")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err = other.Login(ctx, &mautrix.ReqLogin{Type: mautrix.AuthTypePassword, Password: "bot-password", StoreCredentials: true,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: setup.localpart}}); err != nil {
		tb.Fatal(err)
	}
	defer func() { _, _ = other.Logout(context.Background()) }()
	res, err := other.SyncRequest(ctx, 0, "", "", true, event.PresenceOnline)
	if err != nil {
		tb.Fatal(err)
	}
	var took []time.Duration
	for i := range 9 {
		sender.SendText(room, fmt.Sprintf("Sincronización %d", i))
		start := time.Now()
		if res, err = other.SyncRequest(ctx, 30000, res.NextBatch, "", false, event.PresenceOnline); err != nil {
			tb.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return took[len(took)/2]
}

// commandRoundTrip is the p50 of a command's reply as c sees it, and of a
// plain message from c as friend, in the same room, sees it arrive.
func commandRoundTrip(tb testing.TB, c, friend *testenv.Client, room id.RoomID, bot id.UserID) (command, delivery time.Duration) {
	tb.Helper()
	var cmds, plain []time.Duration
	for range 15 {
		start := time.Now()
		sent := c.SendText(room, "!lang")
		reply := c.WaitForReply(room, bot, sent, 30*time.Second)
		cmds = append(cmds, c.Arrived(reply.ID).Sub(start))
		start = time.Now()
		msg := c.SendText(room, "ping")
		var at time.Time
		friend.Eventually("a plain message", 30*time.Second, func() bool { at = friend.Arrived(msg); return !at.IsZero() })
		plain = append(plain, at.Sub(start))
	}
	slices.Sort(cmds)
	slices.Sort(plain)
	return cmds[len(cmds)/2], plain[len(plain)/2]
}
