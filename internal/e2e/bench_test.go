package e2e

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
)

// BenchmarkCommandReply measures what a person feels when typing a command
// in an encrypted room: the time until the bot's reply is decrypted, next to
// the homeserver's own delivery time of a message between two people in the
// same room, measured in the same run.
func BenchmarkCommandReply(b *testing.B) {
	s := newScene(b)
	alice, room, botID := s.alice, s.room, s.setup.userID
	bob := s.member(b, "bob")
	s.ask(b, alice, "!help") // warm: sessions shared

	var delivery, reply []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		sent := alice.SendText(room, fmt.Sprintf("hello %d", i))
		bob.WaitForMessage(room, alice.UserID, 30*time.Second, func(e *event.Event) bool { return e.ID == sent })
		delivery = append(delivery, bob.Arrived(sent).Sub(start))

		start = time.Now()
		cmd := alice.SendText(room, "!tz")
		got := alice.WaitForReply(room, botID, cmd, 30*time.Second)
		reply = append(reply, alice.Arrived(got.ID).Sub(start))
	}
	b.StopTimer()
	d50, d95 := percentiles(delivery)
	r50, r95 := percentiles(reply)
	b.ReportMetric(ms(d50), "delivery_p50_ms")
	b.ReportMetric(ms(d95), "delivery_p95_ms")
	b.ReportMetric(ms(r50), "reply_p50_ms")
	b.ReportMetric(ms(r95), "reply_p95_ms")
	// A reply is two deliveries (to the bot and back) plus the bot's work.
	b.ReportMetric(ms(r50-2*d50), "bot_overhead_p50_ms")
	b.Logf("encrypted delivery p50 %.1f ms p95 %.1f ms; command reply p50 %.1f ms p95 %.1f ms (%d samples)",
		ms(d50), ms(d95), ms(r50), ms(r95), len(reply))
}

func percentiles(d []time.Duration) (p50, p95 time.Duration) {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[(len(s)*95)/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
