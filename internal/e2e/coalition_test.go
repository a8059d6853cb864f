package e2e

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// linked is one coalition room with its moderator.
type linked struct {
	mod  *testenv.Client
	room id.RoomID
	lang string
	name string
}

// coalition is a running bot and encrypted rooms, one per language, each set
// up and linked by its own moderator with a join code.
type coalition struct {
	setup *botSetup
	bot   *testenv.Bot
	rooms map[string]*linked
}

var joinCodeRE = regexp.MustCompile("`!link join ([A-Z0-9-]+)`")

func newCoalition(t testing.TB, langs ...string) *coalition {
	t.Helper()
	return newCoalitionWith(t, nil, langs...)
}

// newCoalitionWith is newCoalition with extra bot config sections.
func newCoalitionWith(t testing.TB, extra map[string]any, langs ...string) *coalition {
	t.Helper()
	mods, ids := moderators(t, langs)
	return linkRooms(t, newBotWith(t, extra, ids...), mods, langs)
}

// moderators are one person per language, each to own a room.
func moderators(t testing.TB, langs []string) ([]*testenv.Client, []id.UserID) {
	t.Helper()
	mods := make([]*testenv.Client, len(langs))
	ids := make([]id.UserID, len(langs))
	for i, lang := range langs {
		mods[i] = user(t, "mod"+lang)
		ids[i] = mods[i].UserID
	}
	return mods, ids
}

// linkRooms starts the bot, has each moderator make a room of their
// language and links the rooms into one coalition.
func linkRooms(t testing.TB, setup *botSetup, mods []*testenv.Client, langs []string) *coalition {
	t.Helper()
	c := &coalition{setup: setup, rooms: map[string]*linked{}}
	c.bot = c.setup.start(t)
	for i, lang := range langs {
		l := &linked{mod: mods[i], lang: lang, name: "Sala " + lang}
		l.room = l.mod.CreateRoom(testenv.RoomOptions{Name: l.name, Encrypted: true, Invite: []id.UserID{c.setup.userID}})
		l.mod.WaitForMembership(l.room, c.setup.userID, event.MembershipJoin, 30*time.Second)
		c.ask(t, l, "!lang room "+lang)
		c.rooms[lang] = l
	}
	first := c.rooms[langs[0]]
	code := c.code(t, first, "!link new Red de prueba")
	for i, lang := range langs[1:] {
		if i > 0 {
			code = c.code(t, first, "!link code")
		}
		c.ask(t, c.rooms[lang], "!link join "+code)
	}
	return c
}

// code has l's moderator ask for a join code and reads it where the bot
// sends it: the moderator's direct chat, never the room.
func (c *coalition) code(t testing.TB, l *linked, cmd string) string {
	t.Helper()
	return askCode(t, l.mod, l.room, c.setup.userID, cmd)
}

// askCode sends cmd in room and returns the join code the bot then sends
// to mod's direct chat. The room's reply must not hold it.
func askCode(t testing.TB, mod *testenv.Client, room id.RoomID, bot id.UserID, cmd string) string {
	t.Helper()
	dm := directChats.of(mod.UserID)
	before := 0
	if dm != "" {
		before = len(mod.Messages(dm, bot))
	}
	sent := mod.SendText(room, cmd)
	if reply := testenv.Body(mod.WaitForReply(room, bot, sent, replyWait(t))); joinCodeRE.MatchString(reply) {
		t.Fatalf("the join code was posted in the shared room: %s", reply)
	}
	if dm == "" {
		dm = joinDirectChat(t, mod, bot)
	}
	var code string
	mod.Eventually("a join code in the private chat", replyWait(t), func() bool {
		msgs := mod.Messages(dm, bot)
		for _, m := range msgs[min(before, len(msgs)):] {
			if sm := joinCodeRE.FindStringSubmatch(testenv.Body(m)); sm != nil {
				code = sm[1]
				return true
			}
		}
		return false
	})
	return code
}

// directChats remembers each test user's direct chat with its bot.
var directChats = &dmRegistry{rooms: map[id.UserID]id.RoomID{}}

type dmRegistry struct {
	mu    sync.Mutex
	rooms map[id.UserID]id.RoomID
}

func (r *dmRegistry) of(u id.UserID) id.RoomID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rooms[u]
}

// joinDirectChat accepts the bot's invite to a direct chat and remembers it.
func joinDirectChat(t testing.TB, c *testenv.Client, bot id.UserID) id.RoomID {
	t.Helper()
	dm := c.WaitForInvite(bot, replyWait(t))
	c.Join(dm, bot)
	directChats.mu.Lock()
	directChats.rooms[c.UserID] = dm
	directChats.mu.Unlock()
	return dm
}

func (c *coalition) ask(t testing.TB, l *linked, text string) string {
	t.Helper()
	return testenv.Body(ask(t, l.mod, l.room, c.setup.userID, text))
}

// copyIn waits for the bot's copy in the room's language that contains marker.
func (c *coalition) copyIn(t testing.TB, lang, marker string) *event.Event {
	t.Helper()
	l := c.rooms[lang]
	return l.mod.WaitForMessage(l.room, c.setup.userID, 45*time.Second, func(e *event.Event) bool {
		content := e.Content.AsMessage()
		return content.RelatesTo.GetReplaceID() == "" && strings.Contains(content.Body, marker)
	})
}

func assertWords(t testing.TB, what, text string, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("%s %q does not contain %q", what, text, w)
		}
	}
}

// fileInDirectChat waits for a file the bot sends c in their direct chat.
func fileInDirectChat(t testing.TB, c *testenv.Client, bot id.UserID, name string) *event.MessageEventContent {
	t.Helper()
	dm := directChats.of(c.UserID)
	if dm == "" {
		dm = joinDirectChat(t, c, bot)
	}
	return c.WaitForMessage(dm, bot, 30*time.Second, func(e *event.Event) bool {
		m := e.Content.AsMessage()
		return m.MsgType == event.MsgFile && m.Body == name
	}).Content.AsMessage()
}
