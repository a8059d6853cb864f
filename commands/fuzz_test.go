package commands

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCommandParser: every input in a room either is chat (no prefix, no
// reply) or gets exactly one reply, which is a command's answer or a clear
// error; in a DM everything that is not blank gets exactly one reply.
func FuzzCommandParser(f *testing.F) {
	for _, seed := range []string{
		"!help", "!help lang room", "help", "!lang room es", "!lang me", "!tz me Mars/Olympus",
		"!tz room Europe/Madrid", "!", "!!", "! help", "!lang  room\tes", "!LANG ROOM ES", "!help `x`",
		"!<img src=x onerror=alert(1)>", "!tz me " + strings.Repeat("a", 500), "\u200f!help", "!مساعدة",
		"!lang room \x00", "!tz me ../../etc/passwd", "",
		"!duty", "!duty add @a:x @b:x every monday 09:00", "!guardia add @a:x cada día 08:00", "!duty add @a:x", "!duty add @a:x, @a:x cron 0 9 * * 1",
		"!duty off", "!مناوبة", "!translate", "!translate xx", "!lang room auto", "!lang room auto de", "!lang room auto auto",
		"!away 2026-12-20..2027-01-06", "!away 2026-12-24", "!away off", "!ausente 2026-12-20 al 2027-01-06", "!away 2027-01-06..2026-12-20",
		"!away 9999-99-99", "!quiet 23:00-07:00", "!quiet 22h-6h30", "!quiet off", "!silencio 23:00 07:00", "!quiet 7:00-7:00", "!quiet 25:00-26:00",
		"!astreinte", "!astreinte add @a:x @b:x chaque lundi 09:00", "!plantão add @a:x toda segunda 09:00", "!guàrdia add @a:x cada dilluns 9h",
		"!dienst add @a:x jeden montag 09:00", "!مناوبة add @a:x كل اثنين 09:00", "!absent 2026-12-20..2026-12-24", "!fora off", "!abwesend 2026-12-24",
		"!غائب 2026-12-24", "!ruhe 22:00-06:00", "!silêncio off", "!silenci 23:00-07:00", "!هدوء 23:00-07:00", "!traduire fr", "!übersetzen de",
		"!ترجم ar", "!incident snooze i1 2h", "!incident severity i1 critical", "!incident page i1 @a:x", "!incidente snooze i1 999d", "!estado", "!حالة",
		"!duty cover @a:x 2026-12-10..2026-12-12", "!guardia cubrir @a:x 2026-12-10 al 2026-12-12", "!astreinte couvrir @a:x 2026-12-10",
		"!plantão cobrir @a:x 2026-12-10..2026-12-09", "!guàrdia cobrir 2026-12-10", "!dienst vertreten @a:x @b:x 2026-12-10",
		"!مناوبة تغطية @a:x 2026-12-10", "!duty swap @a:x", "!guardia cambiar @a:x @b:x", "!astreinte échanger", "!plantão trocar @a:x @a:x",
		"!dienst tauschen @bot:x", "!مناوبة تبديل @a:x", "!incident export i1", "!incidente export i9999999999999999999", "!vorfall export x",
		"!ledger", "!ledger 2026-Q3", "!ledger 2026-Q9", "!ledger add 6h translation for Sala EN: subtitled", "!registro add 50 € fondos para Sala FR: fianza",
		"!registre add 1,5 h traduction pour la coalition : x", "!registo add R$ 35,90 fundos para Sala ES: x", "!registre add 3 hores cures per Sala EN",
		"!buch add 1.234,56 EUR Geld für Sala ES: Kaution", "!سجل add ٦ ساعات ترجمة الى Sala ES: ترجمة", "!ledger add $20 funds for x",
		"!ledger add 0 h time for x", "!ledger add 99999999999999999 EUR funds for x", "!ledger add 1,2,3 EUR funds for x", "!ledger add funds for",
		"!ledger add knitting for Sala EN", "!ledger withdraw l1", "!ledger show l99999999999999999999", "!ledger edit l1",
		"!ledger correct l1 2h time for Sala EN", "!ledger export", "!ledger export T3-2026", "!ledger chart", "!ledger list q2",
		"!watch", "!watch room", "!vigia sala", "!brief", "!brief La policía cerrará el puente", "!aviso status", "!brief status b99999999999999999999",
		"!brief digest every friday 18:00", "!point résumé chaque vendredi 18h", "!إحاطة ملخص كل جمعة 18:00", "!brief digest",
		"!circle add every 3 months first monday 18:00 | How do we share the load?", "!círculo add cada 3 meses primer lunes 18:00 | ¿Cómo repartimos?",
		"!cercle add tous les 3 mois premier lundi 18h | x rotate @a:x @b:x | form solidarity-retro", "!kreis add alle 3 Monate erster Montag 18:00 | x | form nope",
		"!حلقة add كل 3 أشهر أول اثنين 18:00 | x", "!circle add every 13 months first monday 18:00 | x", "!circle add | x", "!circle add x | | form",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	h := newHarness(f)
	f.Fuzz(func(t *testing.T, body string, direct bool) {
		if !utf8.ValidString(body) {
			return
		}
		target, sender := room, mod
		if direct {
			target, sender = dm, user
		}
		replies := h.say(target, sender, body)
		fields := strings.Fields(body)
		var want int
		switch {
		case len(fields) == 0:
			want = 0
		case direct || strings.HasPrefix(fields[0], "!"):
			want = 1
		}
		if len(replies) != want {
			t.Fatalf("input %q (direct=%v) got %d replies %q, want %d", body, direct, len(replies), replies, want)
		}
		for _, r := range replies {
			templateLeak := (strings.Contains(r, "{{") && !strings.Contains(body, "{{")) ||
				(strings.Contains(r, "<no value>") && !strings.Contains(body, "<no value>"))
			if strings.TrimSpace(r) == "" || templateLeak {
				t.Fatalf("input %q got a broken reply %q", body, r)
			}
			if strings.Contains(r, "Something went wrong") {
				t.Fatalf("input %q hit an internal error", body)
			}
			if len(r) > 8000 {
				t.Fatalf("input of %d bytes got a reply of %d bytes; echoes must be cut", len(body), len(r))
			}
			assertSafeHTML(t, r)
		}
	})
}
