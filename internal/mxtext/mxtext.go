// Package mxtext is what a Matrix message shows a person: it reads a
// message's text without a reply's quoted fallback and the people it
// visibly mentions, and it writes the bot's own notices. It is pure: no
// network, no database.
package mxtext

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"
)

// MaxMentions caps how many people one relayed message may ping.
const MaxMentions = 10

// StripReplyFallback removes the quoted original a reply carries for old
// clients, from the HTML and from the plain text, also when the message has
// no HTML (mautrix strips the plain text only alongside HTML). The quote
// may be anything the replier wrote, so it is never shown as theirs.
func StripReplyFallback(content *event.MessageEventContent) {
	if content.RelatesTo.GetReplyTo() == "" {
		return
	}
	content.RemoveReplyFallback()
	if content.Format != event.FormatHTML {
		content.Body = event.TrimReplyFallbackText(content.Body)
	}
}

// userIDRE matches a full user id as written in text.
var userIDRE = regexp.MustCompile(`@[a-zA-Z0-9._=\-/+]+:[a-zA-Z0-9.\-]+(?::[0-9]{1,5})?`)

// pillRE matches a matrix.to link to a user, as a pill is written in HTML.
var pillRE = regexp.MustCompile(`(?i)href\s*=\s*["']https://matrix\.to/#/([^"'?/]+)["'?]`)

// tagRE matches an HTML tag or comment, which a reader does not see.
var tagRE = regexp.MustCompile(`<!--[\s\S]*?-->|<[^>]*>`)

// VisibleMentions are the people a message shows it mentions: by a pill or
// their user id in the text a reader sees (the HTML, when the message has
// it; pass it sanitised). When the message declares mentions (m.mentions),
// only declared ones that are also visible count, so a hand-written
// m.mentions pings nobody the text does not name. At most MaxMentions, in
// order of first appearance.
func VisibleMentions(content *event.MessageEventContent) []id.UserID {
	var out []id.UserID
	seen := map[id.UserID]bool{}
	add := func(u id.UserID) {
		if _, _, err := u.Parse(); err != nil || seen[u] || len(out) >= MaxMentions {
			return
		}
		if content.Mentions != nil && !declared(content.Mentions, u) {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	shown := content.Body
	if content.Format == event.FormatHTML && content.FormattedBody != "" {
		for _, m := range pillRE.FindAllStringSubmatch(content.FormattedBody, -1) {
			if u, err := url.PathUnescape(m[1]); err == nil && strings.HasPrefix(u, "@") {
				add(id.UserID(u))
			}
		}
		shown = html.UnescapeString(tagRE.ReplaceAllString(content.FormattedBody, " "))
	}
	for _, m := range userIDRE.FindAllString(shown, -1) {
		add(id.UserID(m))
	}
	return out
}

func declared(m *event.Mentions, u id.UserID) bool {
	for _, d := range m.UserIDs {
		if d == u {
			return true
		}
	}
	return false
}

// Page is a message that must reach the people it names: a text message,
// not a notice (default push rules silence notices), mentioning exactly
// them, and naming each as a pill.
func Page(markdown string, people []id.UserID) *event.MessageEventContent {
	content := format.RenderMarkdown(markdown, true, false)
	content.MsgType = event.MsgText
	content.Mentions = &event.Mentions{UserIDs: slices.Clone(people)}
	return &content
}

// Pill is a person named so that clients show and notify a mention.
func Pill(user id.UserID) string {
	return "[" + format.EscapeMarkdown(user.String()) + "](" + user.URI().MatrixToURL() + ")"
}

// Notice is the bot's message written in Markdown: a notice, which clients
// and push rules treat as a bot's, that pings exactly the people in mentions
// (nil: nobody, so that a name in the text notifies no one).
func Notice(markdown string, mentions *event.Mentions) *event.MessageEventContent {
	content := format.RenderMarkdown(markdown, true, false)
	// What people wrote reaches the bot's notices (briefings, answers,
	// check-ins): none of it pings a whole room.
	content.Body, content.FormattedBody = NeutraliseRoomPing(content.Body), NeutraliseRoomPing(content.FormattedBody)
	content.MsgType = event.MsgNotice
	if mentions == nil {
		mentions = &event.Mentions{}
	}
	content.Mentions = mentions
	return &content
}

// Quote renders text as a Markdown block quote with its markup escaped, so
// that what someone wrote is shown as they wrote it.
func Quote(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = "> " + format.EscapeMarkdown(l)
	}
	return strings.Join(lines, "\n")
}

// roomPingRE is "@room" as push rules match it: in any case, as a word.
var roomPingRE = regexp.MustCompile(`(?i)@room\b`)

// NeutraliseRoomPing breaks "@room" with a word joiner: it reads the same
// but no client treats it as a ping of everyone.
func NeutraliseRoomPing(s string) string {
	return roomPingRE.ReplaceAllStringFunc(s, func(m string) string { return m[:1] + "\u2060" + m[1:] })
}

// Clip is s cut to at most n runes, the last an ellipsis when it was cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:max(n-1, 0)]) + "…"
}
