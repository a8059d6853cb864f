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
