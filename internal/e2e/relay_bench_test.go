package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"starling/translate"
)

// BenchmarkRelayLatency: from a person's send in the Spanish room to the
// translated copy decrypted by a person in the English room, next to the
// homeserver's own delivery of the same message to a second person in the
// Spanish room, and to warm Apertium's translation time, all in one run.
func BenchmarkRelayLatency(b *testing.B) {
	c := newCoalition(b, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	peer := user(b, "peer")
	if _, err := es.mod.InviteUser(b.Context(), es.room, &mautrix.ReqInviteUser{UserID: peer.UserID}); err != nil {
		b.Fatal(err)
	}
	peer.Join(es.room, es.mod.UserID, c.setup.userID)
	es.mod.SendText(es.room, "Calentamiento Zorblax0")
	c.copyIn(b, "en", "Zorblax0")

	var delivery, relay []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		marker := fmt.Sprintf("Zorblax%dq", i+1)
		start := time.Now()
		sent := es.mod.SendText(es.room, "Nos vemos mañana en la plaza para la asamblea "+marker)
		peer.WaitForMessage(es.room, es.mod.UserID, time.Minute, func(e *event.Event) bool { return e.ID == sent })
		copied := c.copyIn(b, "en", marker)
		delivery = append(delivery, peer.Arrived(sent).Sub(start))
		relay = append(relay, en.mod.Arrived(copied.ID).Sub(start))
	}
	b.StopTimer()

	a, err := translate.NewApertium()
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	var tr []time.Duration
	for i := 0; i < len(relay)+1; i++ {
		start := time.Now()
		if _, err = a.Translate(context.Background(), "es", "en", []translate.Doc{translate.ParseText(fmt.Sprintf("Nos vemos mañana en la plaza para la asamblea %d", i), nil, "en")}); err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			tr = append(tr, time.Since(start))
		}
	}
	d50, d95 := percentiles(delivery)
	r50, r95 := percentiles(relay)
	_, t95 := percentiles(tr)
	b.ReportMetric(ms(d50), "delivery_p50_ms")
	b.ReportMetric(ms(d95), "delivery_p95_ms")
	b.ReportMetric(ms(r50), "relay_p50_ms")
	b.ReportMetric(ms(r95), "relay_p95_ms")
	b.ReportMetric(ms(t95), "translate_p95_ms")
	b.ReportMetric(ms(r95-d95-t95), "relay_overhead_p95_ms")
	b.Logf("homeserver delivery p50 %.1f p95 %.1f ms; relay p50 %.1f p95 %.1f ms; translation p95 %.1f ms; goal relay p95 <= %.1f ms",
		ms(d50), ms(d95), ms(r50), ms(r95), ms(t95), ms(d95+t95)+30)
}

// BenchmarkRelayThroughput: a burst from one room of a 3-room coalition,
// timed until every copy has arrived in both other rooms.
func BenchmarkRelayThroughput(b *testing.B) {
	c := newCoalition(b, "es", "en", "ca")
	es := c.rooms["es"]
	const burst = 100
	// Warm the translation pipelines, so that the burst measures copies.
	es.mod.SendText(es.room, "Calentamos Wrmq7x")
	c.copyIn(b, "en", "Wrmq7x")
	c.copyIn(b, "ca", "Wrmq7x")
	var botCPU, trCPU, hsCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tag := fmt.Sprintf("Zorblax%dr", i)
		bot0, all0, hs0 := cpuTime(b, c.bot.PID(), false), cpuTime(b, c.bot.PID(), true), homeserverCPU(b)
		start := time.Now()
		for k := 0; k < burst; k++ {
			es.mod.SendText(es.room, fmt.Sprintf("Mensaje %d de la ronda %s", k, tag))
		}
		for _, lang := range []string{"en", "ca"} {
			l := c.rooms[lang]
			l.mod.Eventually("every copy", 5*time.Minute, func() bool {
				return len(copiesWith(l, c.setup.userID, tag)) >= burst
			})
			if n := len(copiesWith(l, c.setup.userID, tag)); n != burst {
				b.Fatalf("%d copies in %s, want %d", n, lang, burst)
			}
		}
		elapsed := time.Since(start)
		b.ReportMetric(float64(2*burst)/elapsed.Seconds(), "copies/s")
		b.ReportMetric(float64(burst)/elapsed.Seconds(), "messages/s")
		bot1, all1 := cpuTime(b, c.bot.PID(), false), cpuTime(b, c.bot.PID(), true)
		botCPU += bot1 - bot0
		trCPU += (all1 - bot1) - (all0 - bot0)
		hsCPU += homeserverCPU(b) - hs0
	}
	// Per copy the bot's own work and its translation pipelines'; per event
	// (the originals and the copies) the homeserver's.
	copies, events := float64(2*burst*b.N), float64(3*burst*b.N)
	perCopy := float64((botCPU + trCPU).Microseconds()) / 1000 / copies
	perEvent := float64(hsCPU.Microseconds()) / 1000 / events
	b.ReportMetric(float64(botCPU.Microseconds())/1000/copies, "bot_cpu_ms/copy")
	b.ReportMetric(float64(trCPU.Microseconds())/1000/copies, "translation_cpu_ms/copy")
	b.ReportMetric(perEvent, "homeserver_cpu_ms/event")
	b.ReportMetric(perCopy/perEvent, "bot_cpu/homeserver_cpu")
}
