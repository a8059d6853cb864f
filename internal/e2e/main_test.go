// Package e2e runs the real starling binary against a real Dendrite
// homeserver, with real users in end-to-end-encrypted rooms.
package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/pgtest"
	"starling/internal/testenv"
)

var (
	hs          *testenv.Dendrite
	starlingBin string
	userSeq     atomic.Int64

	pgOnce sync.Once
	pg     *pgtest.Server
	pgErr  error
	// onPostgres makes newBot give each bot a fresh PostgreSQL database.
	onPostgres bool
	// hsOnPostgres: the homeserver keeps its databases in pg.
	hsOnPostgres bool
)

// postgres makes the bots of the rest of test t keep their tables in
// PostgreSQL, on a throwaway server started for the package.
func postgres(t testing.TB) {
	t.Helper()
	pgOnce.Do(func() { pg, pgErr = pgtest.Shared() })
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	onPostgres = true
	t.Cleanup(func() { onPostgres = false })
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "starling-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if starlingBin, err = testenv.BuildStarling(ctx, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	opts := testenv.DendriteOptions{Dir: filepath.Join(dir, "dendrite")}
	// STARLING_HS_DATABASE=postgres runs the homeserver on PostgreSQL, as
	// Dendrite advises for real use (make bench-scale).
	if os.Getenv("STARLING_HS_DATABASE") == "postgres" {
		pgOnce.Do(func() { pg, pgErr = pgtest.Shared() })
		if pgErr == nil {
			opts.DatabaseURI, pgErr = pg.CreateDatabase()
		}
		hsOnPostgres = true
		if pgErr != nil {
			fmt.Fprintln(os.Stderr, pgErr)
			return 1
		}
	}
	hs, err = testenv.StartDendrite(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer hs.Stop()
	defer func() {
		if pg != nil {
			pg.Stop()
		}
	}()
	return m.Run()
}

// user registers a fresh user whose name starts with name.
func user(t testing.TB, name string) *testenv.Client {
	return hs.NewClient(t, fmt.Sprintf("%s%d", name, userSeq.Add(1)))
}

// botSetup is a bot account, its config folder and allow-list.
type botSetup struct {
	localpart string
	dir       string
	config    string
	userID    id.UserID
	allow     []id.UserID
	dbURI     string // "" for SQLite in dir
}

// newBot registers a bot account and writes its config; allow lists who may invite it.
func newBot(t testing.TB, allow ...id.UserID) *botSetup {
	t.Helper()
	return newBotWith(t, nil, allow...)
}

// newBotWith is newBot with extra top-level config sections.
func newBotWith(t testing.TB, extra map[string]any, allow ...id.UserID) *botSetup {
	t.Helper()
	uri := ""
	if onPostgres {
		uri = pg.NewDatabase(t)
	}
	return newBotOn(t, uri, extra, allow...)
}

// newBotOn is newBotWith on the database at uri ("" for SQLite).
func newBotOn(t testing.TB, uri string, extra map[string]any, allow ...id.UserID) *botSetup {
	t.Helper()
	localpart := fmt.Sprintf("starling%d", userSeq.Add(1))
	if _, err := hs.Register(context.Background(), localpart, "bot-password"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if uri != "" {
		t.Cleanup(func() { assertKeptInPostgres(t, uri, dir) })
	}
	cfg, err := hs.WriteBotConfig(dir, testenv.BotConfig{Localpart: localpart, Password: "bot-password", DatabaseURI: uri, AllowUsers: allow, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	return &botSetup{localpart: localpart, dir: dir, config: cfg, userID: testenv.UserID(localpart), allow: allow, dbURI: uri}
}

// anyDevice lets any device change settings, also in unencrypted rooms,
// whose events do not say which device sent them.
var anyDevice = map[string]any{"permissions": map[string]any{"device_trust": "any"}}

// reconfigure rewrites the bot's config (same account and database).
func (s *botSetup) reconfigure(t testing.TB, extra map[string]any) {
	t.Helper()
	if _, err := hs.WriteBotConfig(s.dir, testenv.BotConfig{Localpart: s.localpart, Password: "bot-password", DatabaseURI: s.dbURI, AllowUsers: s.allow, Extra: extra}); err != nil {
		t.Fatal(err)
	}
}

func (s *botSetup) start(t testing.TB) *testenv.Bot {
	t.Helper()
	return testenv.StartBot(t, starlingBin, s.config)
}

// encryptedRoomWithBot creates an encrypted room owned by owner, with the bot joined.
func encryptedRoomWithBot(t testing.TB, owner *testenv.Client, bot id.UserID) id.RoomID {
	t.Helper()
	room := owner.CreateRoom(testenv.RoomOptions{Encrypted: true, Invite: []id.UserID{bot}})
	owner.WaitForMembership(room, bot, event.MembershipJoin, 30*time.Second)
	return room
}

// scene is a moderator (alice), a running bot that only she may invite, and
// an encrypted room with both in it.
type scene struct {
	alice *testenv.Client
	setup *botSetup
	bot   *testenv.Bot
	room  id.RoomID
}

func newScene(t testing.TB) *scene {
	t.Helper()
	alice := user(t, "alice")
	setup := newBot(t, alice.UserID)
	bot := setup.start(t)
	return &scene{alice: alice, setup: setup, bot: bot, room: encryptedRoomWithBot(t, alice, setup.userID)}
}

// member adds a new user at power level 0 to the scene's room.
func (s *scene) member(t testing.TB, name string) *testenv.Client {
	t.Helper()
	c := user(t, name)
	if _, err := s.alice.InviteUser(t.Context(), s.room, &mautrix.ReqInviteUser{UserID: c.UserID}); err != nil {
		t.Fatal(err)
	}
	c.Join(s.room, s.alice.UserID, s.setup.userID)
	s.alice.WaitForMembership(s.room, c.UserID, event.MembershipJoin, 20*time.Second)
	return c
}

// ask has c send text in the scene's room and returns the bot's reply body.
func (s *scene) ask(t testing.TB, c *testenv.Client, text string) string {
	t.Helper()
	return testenv.Body(ask(t, c, s.room, s.setup.userID, text))
}

// ask sends text and returns the bot's decrypted reply to it.
func ask(t testing.TB, c *testenv.Client, room id.RoomID, bot id.UserID, text string) *event.Event {
	t.Helper()
	sent := c.SendText(room, text)
	reply := c.WaitForReply(room, bot, sent, replyWait(t))
	if reply.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Fatalf("reply to %q was not encrypted", text)
	}
	return reply
}

// replyWait is how long a test waits for the bot's answer. A benchmark
// measures elsewhere: its set-up, the homeserver loaded by its many
// clients, must not fail for an answer that is slow but comes.
func replyWait(t testing.TB) time.Duration {
	if _, ok := t.(*testing.B); ok {
		return 3 * time.Minute
	}
	return 30 * time.Second
}

// assertKeptInPostgres checks that a bot on PostgreSQL kept its rooms there,
// and no SQLite file beside its config.
func assertKeptInPostgres(t testing.TB, uri, dir string) {
	db, err := sql.Open("postgres", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rooms int
	if err = db.QueryRow(`SELECT count(*) FROM room`).Scan(&rooms); err != nil || rooms == 0 {
		t.Errorf("the bot's PostgreSQL database holds %d rooms (%v)", rooms, err)
	}
	if _, err = os.Stat(filepath.Join(dir, "starling.db")); err == nil {
		t.Error("a bot configured for PostgreSQL wrote an SQLite file")
	}
}
