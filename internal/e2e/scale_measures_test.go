package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
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
	// 25 at most, as in earlier runs, so that the figures compare.
	owners = owners[:min(len(owners), 25)]
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

// ownTime is a reading of the bot's own time (starling_handling_seconds:
// from having an event to handing its answer or copy to the homeserver)
// for one kind of work: how many so far, and how many at or below each
// bucket's bound.
type ownTime struct {
	n       float64
	buckets map[float64]float64
}

func readOwnTime(tb testing.TB, bot *testenv.Bot, work string) ownTime {
	tb.Helper()
	_, values := metricValues(tb, bot.MonitorURL())
	o := ownTime{n: values[`starling_handling_seconds_count{work="`+work+`"}`], buckets: map[float64]float64{}}
	prefix := `starling_handling_seconds_bucket{work="` + work + `",le="`
	for name, v := range values {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			if le, err := strconv.ParseFloat(strings.TrimSuffix(rest, `"}`), 64); err == nil && !math.IsInf(le, 1) {
				o.buckets[le] = v
			}
		}
	}
	return o
}

// since is the p50 of what was handled between an earlier reading and this
// one, read off the buckets as Prometheus's histogram_quantile does.
func (o ownTime) since(before ownTime) time.Duration {
	n := o.n - before.n
	if n <= 0 {
		return 0
	}
	bounds := slices.Sorted(maps.Keys(o.buckets))
	lower, below := 0.0, 0.0
	for _, le := range bounds {
		at := o.buckets[le] - before.buckets[le]
		if at >= n/2 {
			return time.Duration((lower + (n/2-below)/(at-below)*(le-lower)) * float64(time.Second))
		}
		lower, below = le, at
	}
	return time.Duration(lower * float64(time.Second))
}

// botOwnTime is the p50 of the bot's own time per answer or copy since it
// started, and over how many.
func botOwnTime(tb testing.TB, bot *testenv.Bot, work string) (time.Duration, float64) {
	tb.Helper()
	o := readOwnTime(tb, bot, work)
	return o.since(ownTime{}), o.n
}
