package commands

import (
	"regexp"
	"strings"
	"testing"
)

var codeRE = regexp.MustCompile("`!link join ([A-Z0-9-]+)`")

func TestLinkCommands(t *testing.T) {
	h := newHarness(t)
	const es, en, ca = "!es:test", "!en:test", "!ca:test"
	created := h.say(es, mod, "!link new Red de Solidaridad")
	if len(created) != 1 || codeRE.MatchString(created[0]) || !strings.Contains(created[0], "private chat") {
		t.Fatalf("!link new answered %q in the room; the code must go to the private chat only", created)
	}
	dms := h.replies.takeDMs()
	if len(dms) != 1 || codeRE.FindStringSubmatch(dms[0]) == nil {
		t.Fatalf("no join code in the moderator's private chat: %q", dms)
	}
	code := codeRE.FindStringSubmatch(dms[0])[1]
	steps := []struct {
		name   string
		room   string
		sender string
		body   string
		want   string
	}{
		{"member may not create", en, string(user), "!link new X", "only moderators"},
		{"already linked", es, string(mod), "!link new Otra", "already in a coalition"},
		{"bad code", en, string(mod), "!link join AAAA-BBBB-CCCC", "unknown, already used or expired"},
		{"join with a code typed loosely", en, string(mod), "!link join " + strings.ToLower(strings.ReplaceAll(code, "-", " ")), "joined **Red de Solidaridad**"},
		{"code works once", ca, string(mod), "!link join " + code, "unknown, already used or expired"},
		{"list", en, string(user), "!link list", "has 2 rooms"},
		{"unencrypted room refused", "!plain:test", string(mod), "!link join " + code, "unknown"},
		{"member may not see failures", es, string(user), "!link failures", "only moderators"},
		{"no failures", es, string(mod), "!link failures", "No copy from or to this room"},
		{"pause", en, string(mod), "!link pause", "no longer relayed"},
		{"list shows paused", es, string(user), "!link", "(encrypted, paused)"},
		{"member may not leave", en, string(user), "!link leave", "only moderators"},
		{"leave", en, string(mod), "!link leave", "left its coalition"},
		{"not linked", en, string(user), "!link list", "not in a coalition"},
		{"glossary needs a coalition", en, string(mod), "!glossary add x", "not in a coalition"},
		{"glossary add", es, string(mod), "!glossary add Ni Una Menos", "`Ni Una Menos` is now in the glossary"},
		{"glossary forms", es, string(mod), "!glossary add huelga = en:strike fr:grève générale", "en: `strike`, fr: `grève générale`"},
		{"glossary bad forms", es, string(mod), "!glossary add huelga = strike", "code:term"},
		{"glossary list", es, string(user), "!glossary", "2 terms"},
		{"glossary remove", es, string(mod), "!glossary remove ni una menos", "was removed"},
		{"glossary remove unknown", es, string(mod), "!glossary remove nada", "is not in the glossary"},
		{"original needs a reply", es, string(user), "!original", "as a reply"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			replies := h.say(roomID(st.room), userID(st.sender), st.body)
			if len(replies) != 1 || !strings.Contains(replies[0], st.want) {
				t.Fatalf("%q got %q, want %q", st.body, replies, st.want)
			}
		})
	}
}

func TestLinkRefusesMixedEncryption(t *testing.T) {
	h := newHarness(t)
	h.say("!es:test", mod, "!link new Mixta")
	code := codeRE.FindStringSubmatch(h.replies.takeDMs()[0])[1]
	if got := h.say("!plain:test", mod, "!link join "+code); !strings.Contains(got[0], "differ in end-to-end encryption") {
		t.Fatalf("unencrypted room joined an encrypted coalition: %q", got)
	}
}

func TestParseGlossaryAdd(t *testing.T) {
	tests := []struct {
		in    string
		term  string
		forms string
		ok    bool
	}{
		{"Ni Una Menos", "Ni Una Menos", "", true},
		{"huelga = en:strike fr:grève", "huelga", "en=strike fr=grève", true},
		{"huelga = fr:grève générale en:general strike", "huelga", "en=general strike fr=grève générale", true},
		{"huelga = strike", "", "", false},
		{"= en:x", "", "", false},
		{"huelga = en:", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseGlossaryAdd(tt.in)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			var forms []string
			for _, k := range sortedKeys(got.Forms) {
				forms = append(forms, k+"="+got.Forms[k])
			}
			if got.Term != tt.term || strings.Join(forms, " ") != tt.forms {
				t.Fatalf("got %q %q, want %q %q", got.Term, forms, tt.term, tt.forms)
			}
		})
	}
}

// A code typed where it cannot work has still been read by everyone there:
// it is used up.
func TestJoinCodeTypedInTheWrongRoomIsUsedUp(t *testing.T) {
	h := newHarness(t)
	h.say("!es:test", mod, "!link new Red")
	h.replies.takeDMs()
	h.say("!es:test", mod, "!link code")
	code := codeRE.FindStringSubmatch(h.replies.takeDMs()[0])[1]
	if got := h.say("!es:test", mod, "!link join "+code); !strings.Contains(got[0], "already in a coalition") {
		t.Fatalf("join from a linked room: %q", got)
	}
	if got := h.say("!en:test", mod, "!link join "+code); !strings.Contains(got[0], "unknown, already used or expired") {
		t.Fatalf("the code still worked after it was shown in another room: %q", got)
	}
}
