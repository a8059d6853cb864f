package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkFootprint: the bot's memory at idle and at its peak during a
// sustained burst (RSS from /proc), and how much its SQLite database grows
// per 1 000 relayed messages, with the homeserver's RSS in the same run as
// the baseline.
func BenchmarkFootprint(b *testing.B) {
	c := newCoalition(b, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	time.Sleep(3 * time.Second) // settle after set-up
	idle := rssKB(b, c.bot.PID())
	before := dbBytes(b, filepath.Join(c.setup.dir, "starling.db"))
	const n = 250
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if kb := rssKB(b, c.bot.PID()); kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		marker := fmt.Sprintf("Fpq%dx", i)
		for k := 1; k <= n; k++ {
			es.mod.SendText(es.room, fmt.Sprintf("Mensaje %s%03d", marker, k))
		}
		en.mod.Eventually("every copy", 5*time.Minute, func() bool { return len(copiesWith(en, bot, marker)) >= n })
	}
	b.StopTimer()
	close(stop)
	<-done
	grown := dbBytes(b, filepath.Join(c.setup.dir, "starling.db")) - before
	perThousand := float64(grown) / float64(n*b.N) * 1000 / 1024
	hsRSS := rssKB(b, hs.PID())
	b.ReportMetric(float64(idle)/1024, "idle_rss_MB")
	b.ReportMetric(float64(peak.Load())/1024, "burst_rss_MB")
	b.ReportMetric(float64(peak.Load())/float64(hsRSS), "burst_rss/homeserver_rss")
	b.ReportMetric(perThousand, "db_KB/1000msgs")
	b.Logf("bot RSS idle %.1f MB, peak in a burst of %d %.1f MB (homeserver %.1f MB); SQLite grows %.0f KB per 1000 relayed messages",
		float64(idle)/1024, n*b.N, float64(peak.Load())/1024, float64(hsRSS)/1024, perThousand)
}

// rssKB reads a process's resident set size.
func rssKB(tb testing.TB, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb
		}
	}
	tb.Fatalf("no VmRSS for process %d", pid)
	return 0
}

// dbBytes is the SQLite database's logical size, its write-ahead log
// included.
func dbBytes(tb testing.TB, path string) int64 {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var pages, size int64
	if err = db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		tb.Fatal(err)
	}
	if err = db.QueryRow("PRAGMA page_size").Scan(&size); err != nil {
		tb.Fatal(err)
	}
	return pages * size
}

// cpuTime is the CPU a process and, with tree, everything it started (the
// bot's translation pipelines) have used so far, from /proc.
func cpuTime(tb testing.TB, pid int, tree bool) time.Duration {
	tb.Helper()
	pids := []int{pid}
	if tree {
		pids = append(pids, descendants(pid)...)
	}
	var ticks int64
	for _, p := range pids {
		u, s, _, ok := procStat(p)
		if !ok && p == pid {
			tb.Fatalf("no /proc stat for process %d", pid)
		}
		ticks += u + s
	}
	// /proc counts in USER_HZ, which is 100 on Linux.
	return time.Duration(ticks) * 10 * time.Millisecond
}

// homeserverCPU is what the homeserver has used so far: Dendrite, and its
// PostgreSQL server when it runs on one (STARLING_HS_DATABASE=postgres;
// the bot's own database is then best left on SQLite, or its work counts
// as the homeserver's).
func homeserverCPU(tb testing.TB) time.Duration {
	used := cpuTime(tb, hs.PID(), true)
	if hsOnPostgres && pg != nil && pg.PID() != 0 {
		used += cpuTime(tb, pg.PID(), true)
	}
	return used
}

// procStat reads a process's user and system ticks and its parent.
func procStat(pid int) (utime, stime int64, ppid int, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, false
	}
	// The command name may hold spaces; the fields after it do not.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(fields) < 13 {
		return 0, 0, 0, false
	}
	ppid, _ = strconv.Atoi(fields[1])
	utime, _ = strconv.ParseInt(fields[11], 10, 64)
	stime, _ = strconv.ParseInt(fields[12], 10, 64)
	return utime, stime, ppid, true
}

// descendants are the processes started by pid, and by those, and so on.
func descendants(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, _, parent, ok := procStat(p); ok {
			children[parent] = append(children[parent], p)
		}
	}
	var out []int
	for queue := children[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return out
}
