package incidents

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/internal/dbtest"
)

func TestParseStep(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"never", "never", true},
		{"5m every 15m x3", "5m0s every 15m0s x3", true},
		{"15m", "15m0s", true},
		{"2s x4", "2s every 2s x4", true},
		{"10m oncall @ana:example.org @bo:example.org", "10m0s oncall @ana:example.org @bo:example.org", true},
		{"1h room !ops:example.org", "1h0m0s room !ops:example.org", true},
		{"soon", "", false},
		{"5m x99", "", false},
		{"0s", "", false},
		{"5m oncall nobody", "", false},
		{"5m every 10m x3 pages room,duty", "5m0s every 10m0s x3 pages room,duty", true},
		{"5m pages Backup", "5m0s pages backup", true},
		{"5m pages boss", "", false},
		{"5m pages", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseStep(strings.Fields(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseStep(%q) err = %v, want ok %v", tt.in, err, tt.ok)
			}
			if tt.ok && s.String() != tt.want {
				t.Fatalf("ParseStep(%q) = %q, want %q", tt.in, s.String(), tt.want)
			}
		})
	}
}

func TestDefaultPolicyFollowsSpec(t *testing.T) {
	p := DefaultPolicy()
	var waits []time.Duration
	for n := 0; ; n++ {
		d, ok := p["critical"].delay(n)
		if !ok {
			break
		}
		waits = append(waits, d)
	}
	if len(waits) != 3 || waits[0] != 5*time.Minute || waits[1] != 15*time.Minute || waits[2] != 15*time.Minute {
		t.Fatalf("critical waits %v, want 5m, 15m, 15m", waits)
	}
	if d, _ := p["high"].delay(0); d != 15*time.Minute {
		t.Fatalf("high first wait %v", d)
	}
	if d, _ := p["medium"].delay(0); d != time.Hour {
		t.Fatalf("medium first wait %v", d)
	}
	if _, ok := p["low"].delay(0); ok {
		t.Fatal("low escalates")
	}
}

// Retention deletes old reports with their audit trail and posts.
func TestRetentionPurges(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	var err error
	now := time.Now()
	s := &Service{db: db, settings: Settings{Retention: 30 * 24 * time.Hour}, log: zerolog.Nop(), now: func() time.Time { return now }}
	for i, age := range []time.Duration{40 * 24 * time.Hour, 10 * 24 * time.Hour} {
		inc := &database.Incident{ResponderRoom: "!r:x", Reporter: "@a:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "low",
			Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: now.Add(-age)}
		if err = db.Incident.Insert(ctx, inc); err != nil {
			t.Fatal(err)
		}
		if err = s.audit(ctx, inc, "reporter", "created", ""); err != nil {
			t.Fatal(err)
		}
		if err = db.Incident.PutPost(ctx, id.EventID("$post"+string(rune('a'+i))), inc.ID); err != nil {
			t.Fatal(err)
		}
	}
	for user, age := range map[id.UserID]time.Duration{"@old:x": 40 * 24 * time.Hour, "@new:x": time.Hour} {
		if err = db.Conversation.Put(ctx, &database.Conversation{UserID: user, Kind: Kind, Template: TemplateID, RoomID: "!dm:x",
			Lang: "es", UpdatedAt: now.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	if err = s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ := db.Conversation.Get(ctx, "@old:x"); c != nil {
		t.Fatal("an intake abandoned before the retention period survived")
	}
	if c, _ := db.Conversation.Get(ctx, "@new:x"); c == nil {
		t.Fatal("an intake in progress was deleted")
	}
	if old, _ := db.Incident.Get(ctx, 1); old != nil {
		t.Fatal("the old report survived")
	}
	if trail, _ := db.Incident.AuditTrail(ctx, 1); len(trail) != 0 {
		t.Fatal("the old audit trail survived")
	}
	if post, _ := db.Incident.ByPost(ctx, "$posta"); post != 0 {
		t.Fatal("the old post survived")
	}
	if recent, _ := db.Incident.Get(ctx, 2); recent == nil {
		t.Fatal("a recent report was purged")
	}
}

// FuzzIntakeAnswers: every intake question takes any input without panic,
// answering with a value or a typed refusal.
func FuzzIntakeAnswers(f *testing.F) {
	tmpl, err := Intake()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"4", "Crítica", "critical", "sí", "نعم", "ayer 22:00", "", "8", "0", "1,2"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, which uint8) {
		q := &tmpl.Questions[int(which)%len(tmpl.Questions)]
		for _, lang := range []string{"es", "ar", "en"} {
			a, err := forms.ParseAnswer(q, in, lang, tmpl.Language)
			var ae *forms.AnswerError
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s: %q gave %v", q.ID, in, err)
			}
			if err == nil && q.ID == "severity" {
				valid := false
				for _, s := range Severities {
					valid = valid || a.Value == s
				}
				if !valid {
					t.Fatalf("severity %q from %q", a.Value, in)
				}
			}
		}
	})
}
