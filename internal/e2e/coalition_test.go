package e2e

import (
	"regexp"
	"strings"
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
	mods := make([]*testenv.Client, len(langs))
	ids := make([]id.UserID, len(langs))
	for i, lang := range langs {
		mods[i] = user(t, "mod"+lang)
		ids[i] = mods[i].UserID
	}
	c := &coalition{setup: newBotWith(t, extra, ids...), rooms: map[string]*linked{}}
	c.bot = c.setup.start(t)
	for i, lang := range langs {
		l := &linked{mod: mods[i], lang: lang, name: "Sala " + lang}
		l.room = l.mod.CreateRoom(testenv.RoomOptions{Name: l.name, Encrypted: true, Invite: []id.UserID{c.setup.userID}})
		l.mod.WaitForMembership(l.room, c.setup.userID, event.MembershipJoin, 30*time.Second)
		c.ask(t, l, "!lang room "+lang)
		c.rooms[lang] = l
	}
	first := c.rooms[langs[0]]
	code := joinCodeRE.FindStringSubmatch(c.ask(t, first, "!link new Red de prueba"))
	for i, lang := range langs[1:] {
		if i > 0 {
			code = joinCodeRE.FindStringSubmatch(c.ask(t, first, "!link code"))
		}
		if code == nil {
			t.Fatal("no join code in the bot's reply")
		}
		c.ask(t, c.rooms[lang], "!link join "+code[1])
	}
	return c
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
