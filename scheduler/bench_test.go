package scheduler

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
	"starling/translations"
)

func benchDB(b *testing.B) *database.Database {
	b.Helper()
	raw, err := database.Open("file:"+filepath.Join(b.TempDir(), "bench.db")+"?_txlock=immediate", "sqlite3-fk-wal", 4)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = raw.Close() })
	db := database.New(raw, zerolog.Nop())
	if err = db.Upgrade(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

func insertSchedules(b *testing.B, db *database.Database, n int, when func(i int) string, created time.Time) {
	b.Helper()
	ctx := context.Background()
	err := db.DoTxn(ctx, nil, func(ctx context.Context) error {
		for i := 0; i < n; i++ {
			sc := &database.Schedule{Kind: database.KindCheckin, RoomID: id.RoomID(fmt.Sprintf("!r%d:test", i)), CreatedBy: "@a:test",
				CreatedAt: created, When: when(i), Zone: "Europe/Madrid", Text: "Report", Lang: "en", Window: 24 * time.Hour}
			if err := db.Schedule.Insert(ctx, sc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLoad100kSchedules: start-up with 100 000 stored schedules — the
// time to read and plan them all, and the heap they take.
func BenchmarkLoad100kSchedules(b *testing.B) {
	db := benchDB(b)
	phrases := []string{"every monday 18:00", "every day 09:30", "every 2 weeks friday 17:00", "first sunday of the month 12:00", "every weekday 08:00"}
	insertSchedules(b, db, 100_000, func(i int) string { return phrases[i%len(phrases)] }, time.Now())
	l10n, _ := translations.New()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		s := New(testDeps(db, l10n), nil, Settings{})
		if err := s.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(elapsed.Seconds(), "load_s")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap_MB")
		if len(s.entries) != 100_000 {
			b.Fatalf("loaded %d schedules", len(s.entries))
		}
		runtime.KeepAlive(s)
	}
}

// timingMatrix records when each first message was sent.
type timingMatrix struct {
	fakeMatrix
	clock Clock
	mu    sync.Mutex
	first map[id.RoomID]time.Time
}

func (m *timingMatrix) SendOnce(ctx context.Context, room id.RoomID, c *event.MessageEventContent, txn string, _ rooms.Origin) (id.EventID, error) {
	m.mu.Lock()
	if _, ok := m.first[room]; !ok {
		m.first[room] = m.clock.Now()
	}
	n := len(m.first)
	m.mu.Unlock()
	return id.EventID(fmt.Sprintf("$%s-%d", room, n)), nil
}

// BenchmarkDueDelay1000: 1000 check-ins due at the same minute; the delay
// from their due time to each one's first message.
func BenchmarkDueDelay1000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		db := benchDB(b)
		due := time.Date(2030, 1, 7, 18, 0, 0, 0, time.UTC)
		insertSchedules(b, db, 1000, func(int) string { return "every day 19:00" }, due.Add(-time.Hour))
		clock := ScaledClock(due.Add(-500*time.Millisecond), 1)
		mx := &timingMatrix{fakeMatrix: fakeMatrix{txns: map[string]id.EventID{}, events: map[id.EventID]*event.Event{}}, clock: clock, first: map[id.RoomID]time.Time{}}
		l10n, _ := translations.New()
		s := New(testDeps(db, l10n), mx, Settings{Clock: clock})
		if err := s.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go s.Run(ctx)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mx.mu.Lock()
			n := len(mx.first)
			mx.mu.Unlock()
			if n == 1000 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("only %d of 1000 check-ins fired", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		var delays []time.Duration
		for _, t := range mx.first {
			delays = append(delays, t.Sub(due))
		}
		sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
		b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "p50_ms")
		b.ReportMetric(float64(delays[len(delays)*99/100].Milliseconds()), "p99_ms")
		b.ReportMetric(float64(delays[len(delays)-1].Milliseconds()), "max_ms")
	}
}
