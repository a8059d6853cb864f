package bot

import (
	"slices"
	"testing"

	"maunium.net/go/mautrix/event"

	"starling/commands"
)

// The order in which a message may be taken, for each kind of message; the
// first that takes it is the only one, so an edit never goes past "edit".
func TestMessageRoutesInOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		notice bool
		direct bool
		edit   bool
		want   []string
	}{
		{"an edit in a direct chat", "* yes", false, true, true, []string{"edit", "answer", "incident addition", "check-in report", "command"}},
		{"an edit of a command in a room", "* !lang room fr", false, false, true, []string{"edit", "check-in report", "command"}},
		{"answer in a direct chat", "yes", false, true, false, []string{"answer", "incident addition", "check-in report", "command"}},
		{"a bare word that starts a report", "report", false, true, false, []string{"answer", "check-in report", "command"}},
		{"a command in a direct chat", "!help", false, true, false, []string{"command"}},
		{"a message in a room", "all well here", false, false, false, []string{"check-in report", "command"}},
		{"a command in a room", "  !checkin list", false, false, false, []string{"command"}},
		{"another bot's notice that looks like a command", "!link new", true, false, false, []string{"check-in report", "command"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := &event.MessageEventContent{MsgType: event.MsgText, Body: tc.body}
			if tc.notice {
				content.MsgType = event.MsgNotice
			}
			m := message{content: content, direct: tc.direct, edit: tc.edit, command: commands.IsCommand(content, "!")}
			var got []string
			for _, r := range messageRoutes {
				if r.takes(m) {
					got = append(got, r.name)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("routes %v, want %v", got, tc.want)
			}
		})
	}
}
