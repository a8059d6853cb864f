package mxtext

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/pushrules"
)

func TestVisibleMentions(t *testing.T) {
	ben := id.UserID("@ben:example.org")
	ana := id.UserID("@ana:example.org")
	pill := func(u id.UserID, name string) string {
		return fmt.Sprintf(`<a href="https://matrix.to/#/%s">%s</a>`, u, name)
	}
	tests := []struct {
		name    string
		content event.MessageEventContent
		want    []id.UserID
	}{
		{"hand-written mentions of nobody named", event.MessageEventContent{Body: "hello everyone",
			Mentions: &event.Mentions{UserIDs: []id.UserID{ben, ana}}}, nil},
		{"a user id in the text, declared", event.MessageEventContent{Body: "ask @ben:example.org",
			Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, []id.UserID{ben}},
		{"a user id in the text, not declared", event.MessageEventContent{Body: "ask @ben:example.org",
			Mentions: &event.Mentions{}}, nil},
		{"a pill, declared", event.MessageEventContent{Body: "ask Ben", Format: event.FormatHTML,
			FormattedBody: "ask " + pill(ben, "Ben"), Mentions: &event.Mentions{UserIDs: []id.UserID{ben, ana}}}, []id.UserID{ben}},
		{"an escaped pill", event.MessageEventContent{Body: "ask Ben", Format: event.FormatHTML,
			FormattedBody: `ask <a href="https://matrix.to/#/%40ben%3Aexample.org">Ben</a>`, Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, []id.UserID{ben}},
		{"a pill in HTML that is not the message's format", event.MessageEventContent{Body: "hi",
			FormattedBody: pill(ben, "Ben"), Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, nil},
		{"no m.mentions: what the text shows", event.MessageEventContent{Body: "@ana:example.org and @ben:example.org"}, []id.UserID{ana, ben}},
		{"a user id only in the fallback body, not in the HTML shown", event.MessageEventContent{Body: "hi @ben:example.org", Format: event.FormatHTML,
			FormattedBody: "hi everyone", Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, nil},
		{"a user id hidden in an HTML comment", event.MessageEventContent{Body: "hi", Format: event.FormatHTML,
			FormattedBody: "hi <!-- @ben:example.org -->", Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, nil},
		{"a user id in an attribute", event.MessageEventContent{Body: "hi", Format: event.FormatHTML,
			FormattedBody: `<span title="@ben:example.org">hi</span>`, Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, nil},
		{"a user id in the HTML text", event.MessageEventContent{Body: "ask @ben:example.org", Format: event.FormatHTML,
			FormattedBody: "ask <b>@ben:example.org</b>", Mentions: &event.Mentions{UserIDs: []id.UserID{ben}}}, []id.UserID{ben}},
		{"room ping is not a user", event.MessageEventContent{Body: "@room listen", Mentions: &event.Mentions{Room: true}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VisibleMentions(&tt.content); !slices.Equal(got, tt.want) {
				t.Fatalf("mentions %v, want %v", got, tt.want)
			}
		})
	}
	var many []string
	var declared []id.UserID
	for i := range 30 {
		u := id.UserID(fmt.Sprintf("@u%d:example.org", i))
		many, declared = append(many, u.String()), append(declared, u)
	}
	got := VisibleMentions(&event.MessageEventContent{Body: strings.Join(many, " "), Mentions: &event.Mentions{UserIDs: declared}})
	if len(got) != MaxMentions {
		t.Fatalf("30 people named: %d mentioned, want the cap of %d", len(got), MaxMentions)
	}
}

func TestStripReplyFallback(t *testing.T) {
	reply := &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: "$orig"}}
	tests := []struct {
		name    string
		content event.MessageEventContent
		want    string
	}{
		{"plain text only", event.MessageEventContent{Body: "> <@ana:x> I confess everything\n\nmy real answer", RelatesTo: reply}, "my real answer"},
		{"with HTML", event.MessageEventContent{Body: "> <@ana:x> quoted\n\nanswer", Format: event.FormatHTML,
			FormattedBody: "<mx-reply><blockquote>quoted</blockquote></mx-reply>answer", RelatesTo: reply}, "answer"},
		{"not a reply keeps its quote", event.MessageEventContent{Body: "> <@ana:x> a quote\n\nmine"}, "> <@ana:x> a quote\n\nmine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			StripReplyFallback(&tt.content)
			if tt.content.Body != tt.want {
				t.Fatalf("body %q, want %q", tt.content.Body, tt.want)
			}
		})
	}
}

// FuzzVisibleMentions: nobody is mentioned whom the message neither shows
// in its text nor declares, and never more than the cap.
func FuzzVisibleMentions(f *testing.F) {
	f.Add("hi @ben:example.org", `<a href="https://matrix.to/#/@ana:example.org">Ana</a>`, "@ben:example.org,@ana:example.org", true)
	f.Add("@room", "", "", false)
	f.Add("nobody", "", "@ben:example.org", true)
	f.Fuzz(func(t *testing.T, body, html, declared string, hasMentions bool) {
		content := &event.MessageEventContent{Body: body, Format: event.FormatHTML, FormattedBody: html}
		if hasMentions {
			content.Mentions = &event.Mentions{}
			for _, u := range strings.Split(declared, ",") {
				content.Mentions.UserIDs = append(content.Mentions.UserIDs, id.UserID(u))
			}
		}
		got := VisibleMentions(content)
		if len(got) > MaxMentions {
			t.Fatalf("%d mentions, over the cap", len(got))
		}
		for _, u := range got {
			unescaped, _ := url.PathUnescape(html)
			if !strings.Contains(body, string(u)) && !strings.Contains(html, string(u)) && !strings.Contains(unescaped, string(u)) &&
				!pillShows(html, u) {
				t.Fatalf("%s mentioned but not shown in %q / %q", u, body, html)
			}
			if hasMentions && !slices.Contains(content.Mentions.UserIDs, u) {
				t.Fatalf("%s mentioned but not declared", u)
			}
			if _, _, err := u.Parse(); err != nil {
				t.Fatalf("%q is not a user id", u)
			}
		}
	})
}

// pillShows tells whether some link in the HTML, unescaped, names the user.
func pillShows(html string, u id.UserID) bool {
	for _, m := range pillRE.FindAllStringSubmatch(html, -1) {
		if s, err := url.PathUnescape(m[1]); err == nil && s == string(u) {
			return true
		}
	}
	return false
}

func TestNotice(t *testing.T) {
	ben := id.UserID("@ben:example.org")
	tests := []struct {
		name     string
		mentions *event.Mentions
		want     []id.UserID
	}{
		{name: "nobody unless named", mentions: nil, want: nil},
		{name: "exactly who is paged", mentions: &event.Mentions{UserIDs: []id.UserID{ben}}, want: []id.UserID{ben}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Notice("**Check-in** for @room and "+ben.String(), tt.mentions)
			if c.MsgType != event.MsgNotice || c.Mentions == nil || c.Mentions.Room || !slices.Equal(c.Mentions.UserIDs, tt.want) {
				t.Fatalf("type %s, mentions %+v; want a notice mentioning %v", c.MsgType, c.Mentions, tt.want)
			}
			if !strings.Contains(c.FormattedBody, "<strong>Check-in</strong>") {
				t.Fatalf("formatted body %q is not the Markdown rendered", c.FormattedBody)
			}
		})
	}
}

// specRules are the specification's default push rules that decide a page:
// notices are silenced, an intentional mention highlights, any other
// message notifies.
const specRules = `{
  "override": [
    {"rule_id": ".m.rule.suppress_notices", "default": true, "enabled": true,
     "conditions": [{"kind": "event_match", "key": "content.msgtype", "pattern": "m.notice"}], "actions": []},
    {"rule_id": ".m.rule.is_user_mention", "default": true, "enabled": true,
     "conditions": [{"kind": "event_property_contains", "key": "content.m\\.mentions.user_ids", "value": "@ben:example.org"}],
     "actions": ["notify", {"set_tweak": "sound", "value": "default"}, {"set_tweak": "highlight"}]}
  ],
  "underride": [
    {"rule_id": ".m.rule.message", "default": true, "enabled": true,
     "conditions": [{"kind": "event_match", "key": "type", "pattern": "m.room.message"}], "actions": ["notify"]}
  ]
}`

type room struct{}

func (room) GetOwnDisplayname() string { return "Ben" }
func (room) GetMemberCount() int       { return 5 }

func TestPageNotifiesWhomItNames(t *testing.T) {
	var rules pushrules.PushRuleset
	if err := json.Unmarshal([]byte(specRules), &rules); err != nil {
		t.Fatal(err)
	}
	ben, ana := id.UserID("@ben:example.org"), id.UserID("@ana:example.org")
	tests := []struct {
		name            string
		content         *event.MessageEventContent
		notify, highlit bool
	}{
		{name: "a page to ben", content: Page("⚠️ Incident i1: "+Pill(ben), []id.UserID{ben}), notify: true, highlit: true},
		{name: "a page to someone else", content: Page("⚠️ Incident i1: "+Pill(ana), []id.UserID{ana}), notify: true},
		{name: "a notice naming ben", content: Notice("⚠️ Incident i1: "+Pill(ben), &event.Mentions{UserIDs: []id.UserID{ben}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.content)
			if err != nil {
				t.Fatal(err)
			}
			evt := &event.Event{Type: event.EventMessage, Sender: "@bot:example.org", RoomID: "!r:example.org"}
			if err = json.Unmarshal(raw, &evt.Content); err != nil {
				t.Fatal(err)
			}
			should := rules.GetActions(room{}, evt).Should()
			if should.Notify != tt.notify || should.Highlight != tt.highlit {
				t.Errorf("notify %v highlight %v; want %v %v", should.Notify, should.Highlight, tt.notify, tt.highlit)
			}
		})
	}
}

// Clients match @room in any case: none of its spellings pings a room, in
// a notice of the bot either; a name that only starts with it is left whole.
func TestRoomPingIsBrokenInAnyCase(t *testing.T) {
	for _, in := range []string{"@room", "@Room listen", "ALL @ROOM", "<b>@rOoM</b>", "@room:"} {
		out := NeutraliseRoomPing(in)
		if roomPingRE.MatchString(out) || strings.ReplaceAll(out, "\u2060", "") != in {
			t.Errorf("%q became %q", in, out)
		}
	}
	if out := NeutraliseRoomPing("@roomba:example.org"); out != "@roomba:example.org" {
		t.Errorf("a user id became %q", out)
	}
	notice := Notice("Everyone read this @room **now**", nil)
	if roomPingRE.MatchString(notice.Body) || roomPingRE.MatchString(notice.FormattedBody) {
		t.Errorf("a notice pings the room: %q / %q", notice.Body, notice.FormattedBody)
	}
}
