package scheduler

import (
	"strings"
	"testing"
	"time"
)

// Next occurrences across daylight-saving changes, checked by hand against
// the IANA rules for 2026.
func TestNextAcrossDST(t *testing.T) {
	tests := []struct {
		name string
		in   string
		zone string
		from time.Time
		want []string
	}{
		{"Madrid spring forward keeps 18:00 local", "every day 18:00", "Europe/Madrid", time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC),
			[]string{"Fri 2026-03-27 18:00 +01", "Sat 2026-03-28 18:00 +01", "Sun 2026-03-29 18:00 +02", "Mon 2026-03-30 18:00 +02"}},
		{"Madrid fall back keeps 18:00 local", "every day 18:00", "Europe/Madrid", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
			[]string{"Sat 2026-10-24 18:00 +02", "Sun 2026-10-25 18:00 +01", "Mon 2026-10-26 18:00 +01"}},
		{"02:30 does not exist on the spring-forward night: moved by the gap", "every day 02:30", "Europe/Madrid", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
			[]string{"Sun 2026-03-29 03:30 +02", "Mon 2026-03-30 02:30 +02"}},
		{"02:30 happens twice on the fall-back night: fires once, the first time", "every day 02:30", "Europe/Madrid", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
			[]string{"Sun 2026-10-25 02:30 +02", "Mon 2026-10-26 02:30 +01"}},
		{"Santiago spring forward (September, southern hemisphere)", "every day 00:30", "America/Santiago", time.Date(2026, 9, 4, 12, 0, 0, 0, time.UTC),
			[]string{"Sat 2026-09-05 00:30 -04", "Sun 2026-09-06 01:30 -03", "Mon 2026-09-07 00:30 -03"}},
		{"Santiago fall back (April)", "every saturday 19:00", "America/Santiago", time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC),
			[]string{"Sat 2026-04-04 19:00 -03", "Sat 2026-04-11 19:00 -04"}},
		{"Kolkata has no DST and a half-hour offset", "every day 08:00", "Asia/Kolkata", time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC),
			[]string{"Sat 2026-03-28 08:00 +0530", "Sun 2026-03-29 08:00 +0530", "Mon 2026-03-30 08:00 +0530"}},
		{"fortnightly across the change", "every 2 weeks sunday 12:00", "Europe/Madrid", time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC),
			[]string{"Sun 2026-03-22 12:00 +01", "Sun 2026-04-05 12:00 +02"}},
		{"first sunday of the month across the change", "first sunday of the month 12:00", "Europe/Madrid", time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC),
			[]string{"Sun 2026-03-01 12:00 +01", "Sun 2026-04-05 12:00 +02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			anchor := tt.from
			r, err := ParseWhen(tt.in, loc, anchor)
			if err != nil {
				t.Fatal(err)
			}
			got := next(r, tt.from, len(tt.want))
			if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Fatalf("next = %q, want %q", got, tt.want)
			}
		})
	}
}

// One check-in shared by rooms in three zones happens at one instant, shown
// at each room's local time, including across Madrid's spring change.
func TestSharedCheckinAcrossZones(t *testing.T) {
	madrid := zone(t, "Europe/Madrid")
	r, err := ParseWhen("every day 18:00", madrid, time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"Europe/Madrid":    {"18:00", "18:00", "18:00"},
		"America/Santiago": {"14:00", "14:00", "13:00"},
		"Asia/Kolkata":     {"22:30", "22:30", "21:30"},
	}
	at := time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC)
	var instants []time.Time
	for i := 0; i < 3; i++ {
		at = r.Next(at)
		instants = append(instants, at)
	}
	for name, times := range want {
		loc := zone(t, name)
		for i, inst := range instants {
			if got := inst.In(loc).Format("15:04"); got != times[i] {
				t.Errorf("%s occurrence %d at %s, want %s", name, i+1, got, times[i])
			}
		}
	}
}

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"every monday 18:00", "cada día 09:30 Europe/Madrid", "every 2 weeks friday 17:00",
		"first sunday of the month 12:00", "2026-12-10 19:00 America/Santiago", "cron 0 18 * * MON", "every weekday 08:00",
		"last friday 7pm", "cron", "كل أسبوعين الجمعة ١٧:٠٠", "أول أحد من الشهر 12:00", "99 weeks", "2026-13-45 25:61", "every 0 weeks monday 10:00", "12am", "../x 10:00",
		"every 3 months first monday 18:00", "cada 3 meses primer lunes 18:00", "alle 13 Monate erster Montag 9:00", "كل ٣ أشهر أول اثنين 18:00", "every 0 months first monday 10:00"} {
		f.Add(s)
	}
	madrid := time.FixedZone("X", 3600)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseWhen(in, madrid, now)
		if err != nil {
			if _, ok := err.(*WhenError); !ok {
				t.Fatalf("ParseWhen(%q) error of type %T", in, err)
			}
			return
		}
		// Every accepted schedule has a future occurrence, strictly after now.
		n := r.Next(now)
		if n.IsZero() || !n.After(now) {
			t.Fatalf("ParseWhen(%q) accepted a schedule with no next occurrence (%v)", in, n)
		}
		if n2 := r.Next(n); !n2.IsZero() && !n2.After(n) {
			t.Fatalf("ParseWhen(%q) occurrences do not advance: %v then %v", in, n, n2)
		}
	})
}
