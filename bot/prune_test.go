package bot

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"starling/config"
	"starling/database"
	"starling/internal/dbtest"
	"starling/rooms"
	"starling/translations"
)

// TestPruneReachesEveryOwner stores a row long past its table's retention
// and a recent one in each table that grows, runs the bot's one hourly
// clean-up with the services as the bot builds them, and reads what is left.
func TestPruneReachesEveryOwner(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Parse([]byte(`
bot: {user_id: "@starling:localhost", password: s3cret-password}
encryption: {pickle_key: a-long-random-pickle-key}
translation: {apertium: {enabled: false}}
incidents: {retention_days: 30}
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli())
	b := New(cfg, zerolog.Nop())
	b.now = func() time.Time { return now }
	b.db = dbtest.Open(t)
	if b.l10n, err = translations.New(); err != nil {
		t.Fatal(err)
	}
	if b.client, err = mautrix.NewClient("http://127.0.0.1:1", "@starling:localhost", "token"); err != nil {
		t.Fatal(err)
	}
	b.rooms = rooms.New(b.db, b, rooms.Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"})
	if err = b.initServices(); err != nil {
		t.Fatal(err)
	}

	if err = b.db.Coalition.Insert(ctx, &database.Coalition{ID: "coalition", Name: "c", CreatedBy: "@a:x", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	old, recent := now.Add(-100*24*time.Hour), now.Add(-time.Hour)
	for i, at := range []time.Time{old, recent} {
		n := string(rune('a' + i))
		steps := []error{
			b.db.SentTxn.Put(ctx, "txn"+n, "!r:x", id.EventID("$sent"+n), at),
			b.db.RelayCopy.Put(ctx, &database.Copy{SourceEvent: id.EventID("$src" + n), SourceRoom: "!r:x", TargetRoom: "!t:x",
				CopyEvent: id.EventID("$copy" + n), SourceSender: "@a:x", CopiedAt: at}),
			b.db.RelayFailure.Put(ctx, &database.RelayFailure{EventID: id.EventID("$failed" + n), SourceRoom: "!r:x", TargetRoom: "!t:x",
				Reason: database.FailureCrashed, FailedAt: at}),
			b.db.JoinCode.Insert(ctx, "hash"+n, "coalition", "@a:x", at.Add(2*time.Hour)),
			b.db.Conversation.Put(ctx, &database.Conversation{UserID: id.UserID("@form" + n + ":x"), Kind: "form", Ref: 99,
				Template: "t", RoomID: "!dm:x", Lang: "en", UpdatedAt: at}),
			b.db.Incident.Insert(ctx, &database.Incident{ResponderRoom: "!resp:x", Reporter: "@a:x", ReporterRoom: "!dm:x",
				ReporterLang: "en", Severity: "low", Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: at}),
		}
		if _, err := b.db.HandledEvent.Claim(ctx, "!r:x", id.EventID("$handled"+n), at); err != nil {
			steps = append(steps, err)
		}
		for _, err := range steps {
			if err != nil {
				t.Fatal(err)
			}
		}
	}

	b.prune(ctx)

	for table, want := range map[string]int{
		"sent_txn": 1, "handled_event": 1, "relay_copy": 1, "relay_failure": 1, "join_code": 1, "conversation": 1, "incident": 1,
	} {
		var n int
		if err := b.db.QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s has %d rows after pruning, want %d (the recent one)", table, n, want)
		}
	}
}
