package e2e

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
	"starling/monitor"
)

// Several coalitions talking at once: every copy arrives, in each room in
// the order it was sent, and no coalition's copies reach another's rooms.
func TestCoalitionsTalkingAtOnce(t *testing.T) {
	f := buildFleet(t, 3, 3, 3)
	got := f.talk(t, "Rpar", 10, 0)
	if got.lost != 0 || got.reordered != 0 || got.copies != 3*10*2 {
		t.Fatalf("%d copies, %d lost, %d out of order; want 60, none lost or reordered", got.copies, got.lost, got.reordered)
	}
	if own, n := botOwnTime(t, f.bot, monitor.WorkCopy); n < 60 || own <= 0 {
		t.Errorf("the bot's own time per copy: %v over %v copies", own, n)
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
// STARLING_SCALE_MESSAGES messages (6) each, first one every
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
	perSender := envInt("STARLING_SCALE_MESSAGES", 6)
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
	answers0 := readOwnTime(b, s.bot, monitor.WorkAnswer)
	oneRoom, homeserver := commandRoundTrip(b, s.alice, friend, s.room, s.setup.userID)
	oneAnswer := readOwnTime(b, s.bot, monitor.WorkAnswer).since(answers0)
	oneSync := botAccountSync(b, s.setup, s.alice, s.room)
	second := encryptedRoomWithBot(b, s.alice, s.setup.userID)
	ask(b, s.alice, s.room, s.setup.userID, "!lang room es")
	ask(b, s.alice, second, s.setup.userID, "!link join "+askCode(b, s.alice, s.room, s.setup.userID, "!link new Solo"))
	copies0 := readOwnTime(b, s.bot, monitor.WorkCopy)
	oneCopy, oneDelivery := copyRoundTrip(b, friend, s.alice, s.room, second, s.setup.userID)
	oneOwnCopy := readOwnTime(b, s.bot, monitor.WorkCopy).since(copies0)
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
	answers0 = readOwnTime(b, f.bot, monitor.WorkAnswer)
	manyRooms, homeserverMany := commandRoundTrip(b, asker, other, plain, f.setup.userID)
	manyAnswer := readOwnTime(b, f.bot, monitor.WorkAnswer).since(answers0)
	row("command round trip p50, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×)", ms(oneRoom), ms(manyRooms), float64(manyRooms)/float64(oneRoom)))
	row("same user's plain delivery p50, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×)", ms(homeserver), ms(homeserverMany), float64(homeserverMany)/float64(homeserver)))
	manySync := botAccountSync(b, f.setup, asker, plain)
	row("homeserver's incremental sync for the bot's account p50, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.1f×)", ms(oneSync), ms(manySync), float64(manySync)/float64(oneSync)))
	ownOne, ownMany := oneRoom-oneSync, manyRooms-manySync
	row("command round trip less that sync, 1 room → all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×)", ms(ownOne), ms(ownMany), float64(ownMany)/float64(ownOne)))
	// A coalition of two rooms among all the others, as in the one-room
	// figure: a fleet coalition's message makes four copies at once, and
	// each would wait on the others.
	pairSrc := first.owner.CreateRoom(testenv.RoomOptions{Name: "Pair", Encrypted: true, Invite: []id.UserID{f.setup.userID, other.UserID}})
	other.Join(pairSrc, first.owner.UserID, f.setup.userID)
	first.owner.WaitForMembership(pairSrc, other.UserID, event.MembershipJoin, time.Minute)
	first.owner.WaitForMembership(pairSrc, f.setup.userID, event.MembershipJoin, time.Minute)
	pairDst := encryptedRoomWithBot(b, first.owner, f.setup.userID)
	ask(b, first.owner, pairSrc, f.setup.userID, "!lang room es")
	ask(b, first.owner, pairDst, f.setup.userID, "!link join "+askCode(b, first.owner, pairSrc, f.setup.userID, "!link new Pair"))
	copies0 = readOwnTime(b, f.bot, monitor.WorkCopy)
	manyCopy, manyDelivery := copyRoundTrip(b, other, first.owner, pairSrc, pairDst, f.setup.userID)
	manyOwnCopy := readOwnTime(b, f.bot, monitor.WorkCopy).since(copies0)
	row("copy latency p50, a coalition of 2 rooms alone → among all rooms", fmt.Sprintf("%.0f → %.0f ms (%.2f×); its same-room delivery %.0f → %.0f ms (%.2f×)",
		ms(oneCopy), ms(manyCopy), float64(manyCopy)/float64(oneCopy), ms(oneDelivery), ms(manyDelivery), float64(manyDelivery)/float64(oneDelivery)))
	row("the bot's own time per answer, from having the command to handing its answer to the homeserver, p50, 1 room → all rooms",
		fmt.Sprintf("%.1f → %.1f ms (%.2f×)", ms(oneAnswer), ms(manyAnswer), float64(manyAnswer)/float64(oneAnswer)))
	row("the bot's own time per copy, likewise, p50, a coalition of 2 rooms alone → among all rooms",
		fmt.Sprintf("%.1f → %.1f ms (%.2f×)", ms(oneOwnCopy), ms(manyOwnCopy), float64(manyOwnCopy)/float64(oneOwnCopy)))
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
	var sustainedOwn time.Duration
	for i := range b.N {
		copies0 = readOwnTime(b, f.bot, monitor.WorkCopy)
		sustained.add(f.talk(b, fmt.Sprintf("Rs%d", i), perSender, every))
		sustainedOwn = readOwnTime(b, f.bot, monitor.WorkCopy).since(copies0)
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
	row("the bot's own time per copy under those senders, p50", fmt.Sprintf("%.1f ms", ms(sustainedOwn)))
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
	b.ReportMetric(float64(manyAnswer)/float64(oneAnswer), "own_answer_many/own_answer_one")
	b.ReportMetric(ready.Seconds(), "ready_s")
	b.ReportMetric(float64(idle)/1024, "idle_rss_MB")

	var out strings.Builder
	out.WriteString("\n| measure | figure |\n|---|---|\n")
	for _, r := range table {
		out.WriteString("| " + r[0] + " | " + r[1] + " |\n")
	}
	b.Log(out.String())
}
