package scheduler

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	_, loc, ok := LookupZone(name)
	if !ok {
		t.Fatalf("no zone %s", name)
	}
	return loc
}

// next lists the first n occurrences after now, in the rule's zone.
func next(r Rule, now time.Time, n int) []string {
	var out []string
	t := now
	for i := 0; i < n; i++ {
		t = r.Next(t)
		if t.IsZero() {
			break
		}
		layout := "Mon 2006-01-02 15:04 -07"
		if _, off := t.In(r.Zone()).Zone(); off%3600 != 0 {
			layout += "00"
		}
		out = append(out, t.In(r.Zone()).Format(layout))
	}
	return out
}

func TestParseWhenInEveryLanguage(t *testing.T) {
	madrid := zone(t, "Europe/Madrid")
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) // a Sunday
	tests := []struct {
		name, in string
		want     []string
	}{
		{"en weekly", "every monday 18:00", []string{"Mon 2026-11-23 18:00 +01", "Mon 2026-11-30 18:00 +01"}},
		{"es weekly", "cada lunes 18:00", []string{"Mon 2026-11-23 18:00 +01", "Mon 2026-11-30 18:00 +01"}},
		{"es accents optional", "cada miercoles 18h", []string{"Wed 2026-11-25 18:00 +01"}},
		{"es with accents", "cada miércoles a las 18:00", []string{"Wed 2026-11-25 18:00 +01"}},
		{"fr weekly", "chaque lundi 18h30", []string{"Mon 2026-11-23 18:30 +01"}},
		{"pt weekly", "toda segunda-feira 18:00", []string{"Mon 2026-11-23 18:00 +01"}},
		{"ca weekly", "cada dilluns 18:00", []string{"Mon 2026-11-23 18:00 +01"}},
		{"de weekly", "jeden Montag 18:00 Uhr", []string{"Mon 2026-11-23 18:00 +01"}},
		{"en daily with zone", "every day 09:30 America/Santiago", []string{"Sun 2026-11-22 09:30 -03", "Mon 2026-11-23 09:30 -03"}},
		{"es daily", "cada día 09:30", []string{"Mon 2026-11-23 09:30 +01", "Tue 2026-11-24 09:30 +01"}},
		{"fr daily", "tous les jours 9h30", []string{"Mon 2026-11-23 09:30 +01"}},
		{"pt daily", "todos os dias 09:30", []string{"Mon 2026-11-23 09:30 +01"}},
		{"de daily", "täglich 09:30", []string{"Mon 2026-11-23 09:30 +01"}},
		{"en quarterly", "every 3 months first monday 18:00", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01", "Mon 2027-06-07 18:00 +02"}},
		{"es quarterly", "cada 3 meses primer lunes 18:00", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01"}},
		{"fr quarterly", "tous les 3 mois premier lundi 18h", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01"}},
		{"pt quarterly", "a cada 3 meses primeira segunda-feira 18:00", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01"}},
		{"ca quarterly", "cada 3 mesos primer dilluns 18:00", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01"}},
		{"de quarterly", "alle 3 Monate erster Montag 18:00", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01"}},
		{"ar quarterly", "كل 3 أشهر أول اثنين 18:00", []string{"Mon 2026-12-07 18:00 +01", "Mon 2027-03-01 18:00 +01"}},
		{"en last friday every 2 months", "every 2 months last friday 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2027-01-29 17:00 +01"}},
		{"en fortnightly", "every 2 weeks friday 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01", "Fri 2026-12-25 17:00 +01"}},
		{"es fortnightly", "cada 2 semanas viernes 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01"}},
		{"fr fortnightly", "toutes les 2 semaines vendredi 17h", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01"}},
		{"ca fortnightly", "cada 2 setmanes divendres 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01"}},
		{"de fortnightly", "alle 2 Wochen Freitag 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01"}},
		{"en first sunday", "first sunday of the month 12:00", []string{"Sun 2026-12-06 12:00 +01", "Sun 2027-01-03 12:00 +01"}},
		{"es first sunday", "primer domingo del mes 12:00", []string{"Sun 2026-12-06 12:00 +01"}},
		{"fr first sunday", "premier dimanche du mois 12h", []string{"Sun 2026-12-06 12:00 +01"}},
		{"pt first sunday", "primeiro domingo do mês 12:00", []string{"Sun 2026-12-06 12:00 +01"}},
		{"ca first sunday", "primer diumenge del mes 12:00", []string{"Sun 2026-12-06 12:00 +01"}},
		{"de first sunday", "erster Sonntag des Monats 12:00", []string{"Sun 2026-12-06 12:00 +01"}},
		{"last friday", "last friday of the month 19:00", []string{"Fri 2026-11-27 19:00 +01", "Fri 2026-12-25 19:00 +01"}},
		{"en weekdays", "every weekday 08:00", []string{"Mon 2026-11-23 08:00 +01", "Tue 2026-11-24 08:00 +01", "Wed 2026-11-25 08:00 +01", "Thu 2026-11-26 08:00 +01", "Fri 2026-11-27 08:00 +01", "Mon 2026-11-30 08:00 +01"}},
		{"es weekdays", "cada día laborable 08:00", []string{"Mon 2026-11-23 08:00 +01"}},
		{"de weekdays", "jeden Werktag 08:00", []string{"Mon 2026-11-23 08:00 +01"}},
		{"one-off with zone", "2026-12-10 19:00 America/Santiago", []string{"Thu 2026-12-10 19:00 -03"}},
		{"one-off default zone", "2026-12-10 7pm", []string{"Thu 2026-12-10 19:00 +01"}},
		{"cron", "cron 0 18 * * MON", []string{"Mon 2026-11-23 18:00 +01", "Mon 2026-11-30 18:00 +01"}},
		{"cron with zone", "cron 30 9 * * * Asia/Kolkata", []string{"Mon 2026-11-23 09:30 +0530"}},
		{"pt fortnightly", "a cada 2 semanas sexta-feira 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01"}},
		{"pt weekdays", "todos os dias úteis 08:00", []string{"Mon 2026-11-23 08:00 +01"}},
		{"pt last friday", "última sexta do mês 19h", []string{"Fri 2026-11-27 19:00 +01"}},
		{"fr weekdays", "chaque jour ouvrable 8h", []string{"Mon 2026-11-23 08:00 +01"}},
		{"ca daily", "cada dia 09:30", []string{"Mon 2026-11-23 09:30 +01"}},
		{"ca weekdays", "cada dia feiner 08:00", []string{"Mon 2026-11-23 08:00 +01"}},
		{"de last friday", "letzter Freitag des Monats 19:00", []string{"Fri 2026-11-27 19:00 +01"}},
		{"es last friday", "último viernes del mes 19:00", []string{"Fri 2026-11-27 19:00 +01"}},
		{"fr one-off", "2026-12-10 19h00 Europe/Paris", []string{"Thu 2026-12-10 19:00 +01"}},
		{"ar weekly", "كل الاثنين الساعة 18:00", []string{"Mon 2026-11-23 18:00 +01", "Mon 2026-11-30 18:00 +01"}},
		{"ar weekly, Arabic digits", "كل إثنين ١٨:٠٠", []string{"Mon 2026-11-23 18:00 +01"}},
		{"ar daily", "كل يوم 09:30", []string{"Mon 2026-11-23 09:30 +01"}},
		{"ar fortnightly (dual)", "كل أسبوعين الجمعة 17:00", []string{"Fri 2026-11-27 17:00 +01", "Fri 2026-12-11 17:00 +01"}},
		{"ar first sunday", "أول أحد من الشهر 12:00", []string{"Sun 2026-12-06 12:00 +01"}},
		{"ar weekdays", "كل يوم عمل 08:00", []string{"Mon 2026-11-23 08:00 +01", "Tue 2026-11-24 08:00 +01"}},
		{"two days", "every monday and thursday 18:00", []string{"Mon 2026-11-23 18:00 +01", "Thu 2026-11-26 18:00 +01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseWhen(tt.in, madrid, now)
			if err != nil {
				t.Fatalf("ParseWhen(%q): %v", tt.in, err)
			}
			got := next(r, now, len(tt.want))
			if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Fatalf("ParseWhen(%q) next = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseWhenErrors(t *testing.T) {
	madrid := zone(t, "Europe/Madrid")
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		kind     WhenErrorKind
		word     string
	}{
		{"empty", "", WhenNoTime, ""},
		{"no time", "every monday", WhenNoTime, ""},
		{"unknown word", "every blursday 18:00", WhenUnknownWord, "blursday"},
		{"bad hour", "every monday 25:00", WhenBadTime, "25:00"},
		{"bad zone", "every monday 18:00 Mars/Olympus", WhenBadZone, "Mars/Olympus"},
		{"past date", "2020-01-01 10:00", WhenPast, ""},
		{"bad date", "2026-02-30 10:00", WhenBadDate, "2026-02-30"},
		{"bad cron", "cron 99 * * * *", WhenBadCron, ""},
		{"cron that never fires", "cron 0 0 30 2 *", WhenBadCron, ""},
		{"monthly without day", "first of the month 12:00", WhenNoDay, ""},
		{"time only", "18:00", WhenNoDay, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWhen(tt.in, madrid, now)
			var we *WhenError
			if !errors.As(err, &we) {
				t.Fatalf("ParseWhen(%q) error = %v, want a WhenError", tt.in, err)
			}
			if we.Kind != tt.kind || (tt.word != "" && we.Word != tt.word) {
				t.Fatalf("ParseWhen(%q) = kind %d word %q, want kind %d word %q", tt.in, we.Kind, we.Word, tt.kind, tt.word)
			}
			if tt.kind == WhenBadZone && len(we.Suggestions) == 0 {
				t.Fatal("a bad zone came without suggestions")
			}
		})
	}
}
