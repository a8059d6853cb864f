package commands

import (
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
)

var (
	msgHelpSummary = &i18n.Message{
		ID:    "HelpSummary",
		Other: "List the commands you can use here, or explain one.",
	}
	msgHelpHeader = &i18n.Message{
		ID:          "HelpHeader",
		Description: "First line of the help list; Count is how many commands follow.",
		One:         "Here is the command you can use here:",
		Other:       "Here are the {{.Count}} commands you can use here:",
	}
	msgHelpLine = &i18n.Message{
		ID:          "HelpLine",
		Description: "One command in the help list. Usage and Example are code spans, Summary a sentence.",
		Other:       "{{.Usage}} — {{.Summary}} Example: {{.Example}}",
	}
	msgHelpFamily = &i18n.Message{
		ID:          "HelpFamily",
		Description: "A command with many subcommands in the help list. Usage and Help are code spans, Summary a sentence, Subs the subcommand names as code spans.",
		Other:       "{{.Usage}} — {{.Summary}} Also: {{.Subs}} (see {{.Help}}).",
	}
	msgHelpDirect = &i18n.Message{
		ID:          "HelpDirect",
		Description: "Help footer in a direct chat. Prefix is a code span.",
		Other:       "In this private chat you can leave out the {{.Prefix}}.",
	}
	msgHelpModeratorsMore = &i18n.Message{
		ID:    "HelpModeratorsMore",
		Other: "Moderators of this room can also change its settings.",
	}
	msgHelpMore = &i18n.Message{
		ID:          "HelpMore",
		Description: "Help footer. Help is a code span such as `!help lang`.",
		Other:       "Send {{.Help}} for one command in detail.",
	}
	msgHelpNoSuchCommand = &i18n.Message{
		ID:          "HelpNoSuchCommand",
		Description: "Asked for help on a command that does not exist or is not available to this person. Command and Help are code spans.",
		Other:       "There is no command {{.Command}} for you here. Send {{.Help}} for the list.",
	}
)

func runHelp(cx *Ctx) error {
	cmds := cx.router.registry
	var parent *Command
	if len(cx.Args) > 0 {
		c := findCommand(cmds, strings.TrimPrefix(cx.Args[0], cx.Prefix()))
		if c != nil && len(cx.Args) > 1 {
			if sub := findCommand(c.Sub, cx.Args[1]); sub != nil {
				c, parent = sub, c
			} else {
				c = nil
			}
		}
		if ok, err := cx.allowedTree(c); err != nil {
			return err
		} else if !ok {
			cx.Reply(msgHelpNoSuchCommand, map[string]any{
				"Command": Echo(cx.Prefix() + strings.Join(cx.Args, " ")),
				"Help":    format.SafeMarkdownCode(cx.Prefix() + "help"),
			})
			return nil
		}
		cmds = []*Command{c}
	}
	lines, err := cx.helpLines(cmds, parent, len(cx.Args) == 0)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(cx.router.L10n.Plural(cx.Lang, msgHelpHeader, len(lines), nil))
	b.WriteString("\n\n")
	for _, line := range lines {
		b.WriteString("- " + line + "\n")
	}
	if len(cx.Args) == 0 {
		b.WriteString("\n" + cx.T(msgHelpMore, map[string]any{"Help": format.SafeMarkdownCode(cx.Prefix() + "help lang")}))
		if mod, err := cx.IsModerator(); err != nil {
			return err
		} else if !mod {
			b.WriteString("\n\n" + cx.T(msgHelpModeratorsMore, nil))
		}
	}
	if cx.Direct {
		b.WriteString("\n\n" + cx.T(msgHelpDirect, map[string]any{"Prefix": format.SafeMarkdownCode(cx.Prefix())}))
	}
	cx.ReplyMarkdown(b.String())
	return nil
}

// familySize is how many subcommands a command may have before the full
// list names them only, leaving their details to its own help.
const familySize = 3

// helpLines lists each command the sender may use with its subcommands;
// short, a command with many subcommands is one line naming them.
func (cx *Ctx) helpLines(cmds []*Command, parent *Command, short bool) ([]string, error) {
	var lines []string
	for _, c := range cmds {
		ok, err := cx.allowed(c)
		if err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		sub, err := cx.helpLines(c.Sub, c, false)
		if err != nil {
			return nil, err
		}
		if short && c.Run != nil && len(sub) > familySize {
			var names []string
			for _, s := range c.Sub {
				if ok, err := cx.allowed(s); err != nil {
					return nil, err
				} else if ok {
					names = append(names, format.SafeMarkdownCode(s.Name))
				}
			}
			lines = append(lines, cx.T(msgHelpFamily, map[string]any{
				"Usage": format.SafeMarkdownCode(cx.usage(c, parent)), "Summary": cx.T(c.Summary, nil),
				"Subs": strings.Join(names, ", "), "Help": format.SafeMarkdownCode(cx.Prefix() + "help " + c.Name),
			}))
			continue
		}
		if c.Run != nil {
			lines = append(lines, cx.T(msgHelpLine, map[string]any{
				"Usage":   format.SafeMarkdownCode(cx.usage(c, parent)),
				"Summary": cx.T(c.Summary, nil),
				"Example": format.SafeMarkdownCode(cx.example(c, parent)),
			}))
		}
		lines = append(lines, sub...)
	}
	return lines, nil
}

// allowedTree tells whether c, or one of its subcommands, is for this person.
func (cx *Ctx) allowedTree(c *Command) (bool, error) {
	if c == nil {
		return false, nil
	}
	if ok, err := cx.allowed(c); err != nil || ok {
		return ok, err
	}
	for _, sub := range c.Sub {
		if ok, err := cx.allowedTree(sub); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func findCommand(cmds []*Command, name string) *Command {
	name = strings.ToLower(name)
	for _, c := range cmds {
		if c.Name == name {
			return c
		}
		for _, a := range c.Aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}
