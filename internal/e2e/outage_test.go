package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // to read the bot's stored rows
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// The tests here stop, freeze and rate-limit the package's one homeserver;
// they run one at a time (no test in this package is parallel) and each
// gives the homeserver back as it found it.

// burst sends marker001… markerNNN from l's moderator, numbered from first.
func burst(l *linked, marker string, first, last int) {
	for i := first; i <= last; i++ {
		l.mod.SendText(l.room, fmt.Sprintf("Mensaje %s%03d", marker, i))
	}
}

// allCopies waits until n copies holding marker are in l's room, gives a
// duplicate two seconds to show up, then checks there are exactly n, in
// the order they were sent. It reads the room's history from the
// homeserver: the room is what every member's client shows, also where a
// homeserver stopped mid-traffic failed to push an event to a sync.
func allCopies(t *testing.T, l *linked, bot id.UserID, marker string, n int, timeout time.Duration) {
	t.Helper()
	copies := func() []string {
		var out []string
		for _, b := range l.mod.ServerHistory(l.room, bot, n+100) {
			if strings.Contains(b, marker) || strings.Contains(b, "undecryptable") {
				out = append(out, b)
			}
		}
		return out
	}
	deadline := time.Now().Add(timeout)
	for len(copies()) < n {
		if time.Now().After(deadline) {
			got := copies()
			t.Fatalf("after %s, %d copies of %s in %s, want %d: %s", timeout, len(got), marker, l.name, n, strings.Join(got, " | "))
		}
		time.Sleep(time.Second)
	}
	time.Sleep(2 * time.Second)
	got := copies()
	if len(got) != n {
		t.Fatalf("%d copies of %s in %s, want %d: %s", len(got), marker, l.name, n, strings.Join(got, " | "))
	}
	for i, body := range got {
		if !strings.Contains(body, fmt.Sprintf("%s%03d", marker, i+1)) {
			t.Fatalf("copy %d of %s in %s is %q: order lost", i+1, marker, l.name, body)
		}
	}
}

// health reads the bot's /health: its status and the problem it names.
func health(t *testing.T, base string) (string, string) {
	t.Helper()
	res, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var h struct{ Status, Problem string }
	if err = json.NewDecoder(res.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h.Status, h.Problem
}

// The homeserver stops (connections refused) for 20 s after a burst of 40;
// 20 more follow once it is back. The same bot process delivers all 60
// copies, each once, in order, and /health says what happened meanwhile.
func TestHomeserverStoppedAndBack(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	base := c.bot.MonitorURL()
	burst(es, "Stpq", 1, 40)
	// Stopped the instant the last message is sent, while the bot is still
	// receiving and copying the burst.
	down := time.Now()
	hs.Stop()
	t.Cleanup(func() { _ = hs.Start(t.Context()) }) // for the tests after, if this one fails midway
	es.mod.Eventually("/health to report the outage", 20*time.Second, func() bool {
		status, problem := health(t, base)
		return status == "unhealthy" && strings.Contains(problem, "homeserver unreachable")
	})
	time.Sleep(20*time.Second - time.Since(down))
	if err := hs.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	burst(es, "Stpq", 41, 60)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the Spanish room holds: %s", strings.Join(es.mod.ServerHistory(es.room, es.mod.UserID, 100), " | "))
		}
	})
	allCopies(t, en, bot, "Stpq", 60, 2*time.Minute)
	if !c.bot.Running() {
		t.Fatal("the bot's process ended during the outage")
	}
	es.mod.Eventually("/health to recover", 30*time.Second, func() bool {
		status, _ := health(t, base)
		return status == "ok"
	})
}

// The homeserver freezes (SIGSTOP: connections hang) for 20 s in the middle
// of a burst of 30; every copy arrives once, in order.
func TestHomeserverFrozenMidBurst(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	sent := make(chan int, 30)
	go func() {
		defer close(sent)
		for i := 1; i <= 30; i++ {
			es.mod.SendText(es.room, fmt.Sprintf("Mensaje Frzq%03d", i))
			sent <- i
		}
	}()
	for i := range sent {
		if i == 10 {
			break
		}
	}
	if err := hs.Freeze(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Second)
	if err := hs.Thaw(); err != nil {
		t.Fatal(err)
	}
	for range sent {
	}
	allCopies(t, en, bot, "Frzq", 30, 2*time.Minute)
	if !c.bot.Running() {
		t.Fatal("the bot's process ended during the freeze")
	}
}

// The Apertium pipelines die in the middle of a burst of 30: they are
// started again, and all 30 copies arrive once, in order.
func TestApertiumKilledMidBurst(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	go burst(es, "Aptq", 1, 30)
	c.copyIn(t, "en", "Aptq005")
	killed := killChildren(t, c.bot.PID())
	if killed == 0 {
		t.Fatal("no translation process to kill: the copies were not translated by Apertium")
	}
	allCopies(t, en, bot, "Aptq", 30, 2*time.Minute)
	started := 0
	for _, e := range c.bot.LogEntries() {
		if e["message"] == "Started Apertium pipeline" && e["pair"] == "es-en" {
			started++
		}
	}
	if started < 2 {
		t.Fatalf("killed %d processes, but the bot started the es-en pipeline %d times", killed, started)
	}
}

// killChildren kills (SIGKILL) every process whose parent is pid.
func killChildren(t *testing.T, pid int) int {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	killed := 0
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(pid) {
			continue
		}
		child, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if syscall.Kill(child, syscall.SIGKILL) == nil {
			killed++
		}
	}
	return killed
}

// With the homeserver limiting the bot to 20 requests per 2 s, a burst of
// 150 arrives complete and in order, and the bot never repeats a refused
// request before the time it was told to wait.
func TestRateLimitedBurst(t *testing.T) {
	limiter := testenv.NewRateLimiter(t, hs.URL)
	c := newCoalitionWith(t, map[string]any{"homeserver": map[string]any{"url": limiter.URL}}, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	limiter.Limit(20, 2*time.Second)
	go burst(es, "Rtlq", 1, 150)
	allCopies(t, en, bot, "Rtlq", 150, 3*time.Minute)
	passed, refused, early := limiter.Stats()
	t.Logf("through the limiter: %d requests passed, %d refused", passed, refused)
	if refused == 0 {
		t.Fatal("the limit was never reached: the test proves nothing")
	}
	if len(early) > 0 {
		t.Fatalf("%d refused requests were repeated before their wait: %v", len(early), early)
	}
	if !c.bot.Running() {
		t.Fatal("the bot's process ended")
	}
}

// The bot stops while 150 messages are sent in each of two coalition rooms
// and a room reports to an open check-in; after it starts, all 300 copies
// arrive, each once, in order per room, the report is counted, and a
// recent command sent meanwhile is answered.
func TestNothingSentWhileTheBotIsDownIsLost(t *testing.T) {
	c, started := scheduleCoalition(t)
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	madrid := mustZone(t, "Europe/Madrid")
	// Far enough ahead that the bot's clock, which started before the rooms
	// were set up, has not passed it on a slow machine.
	at := virtualNow(started).Add(15 * time.Minute).In(madrid).Truncate(time.Minute)
	c.ask(t, es, fmt.Sprintf("!checkin add every day %s Europe/Madrid | ¿Cómo está vuestro grupo? | window 2h", at.Format("15:04")))
	prompt := en.mod.WaitForMessage(en.room, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📋") })
	if code := c.bot.Stop(); code != 0 {
		t.Fatalf("stop exited %d", code)
	}
	const n = 150
	done := make(chan struct{})
	go func() { defer close(done); burst(es, "Dwne", 1, n) }()
	report := en.mod.Send(en.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "All well, we need water",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: prompt.ID}}})
	burst(en, "Dwnn", 1, n)
	<-done
	sent := es.mod.SendText(es.room, "!lang")
	c.bot = c.setup.start(t)
	allCopies(t, en, bot, "Dwne", n, 3*time.Minute)
	allCopies(t, es, bot, "Dwnn", n, time.Minute)
	es.mod.WaitForReply(es.room, bot, sent, 30*time.Second)
	c.bot.Stop()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(c.setup.dir, "starling.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var reports int
	if err = db.QueryRow(`SELECT count(*) FROM checkin_report WHERE room_id=? AND event_id=?`, en.room, report).Scan(&reports); err != nil || reports != 1 {
		t.Fatalf("the report sent while the bot was down: %d rows stored (%v)", reports, err)
	}
}

// Another process holds the bot's SQLite database locked for eight seconds
// in the middle of a burst of 30 (a backup, a script): the bot waits it out
// — no step fails on the lock — and every copy arrives once, in order.
func TestSQLiteLockedByAnotherProcess(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(c.setup.dir, "starling.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go burst(es, "Lckq", 1, 30)
	c.copyIn(t, "en", "Lckq003")
	if _, err = conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(8 * time.Second)
	if _, err = conn.ExecContext(t.Context(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
	allCopies(t, en, bot, "Lckq", 30, 2*time.Minute)
	// Waited out, not failed and retried: no step gave up on the lock.
	for _, e := range c.bot.LogEntries() {
		if strings.Contains(fmt.Sprint(e["error"]), "database is locked") {
			t.Fatalf("the bot gave up waiting for the database: %v", e)
		}
	}
}
