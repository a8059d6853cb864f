package commands

import "github.com/nicksnyder/go-i18n/v2/i18n"

// Messages shared by every command. Values in templates are already escaped
// by the code that fills them.
var (
	msgUnknownCommandTypo = &i18n.Message{
		ID:          "UnknownCommandTypo",
		Description: "Reply to a command the bot does not have that looks like a typo of one it has. Command, Example and Help are code spans.",
		Other:       "I don't know the command {{.Command}}. Did you mean, for example, {{.Example}}? Send {{.Help}} to see what I can do.",
	}
	msgUnknownCommand = &i18n.Message{
		ID:          "UnknownCommand",
		Description: "Reply to a command the bot does not have. Command and Help are code spans.",
		Other:       "I don't know the command {{.Command}}. Send {{.Help}} to see what I can do.",
	}
	msgUnknownSubcommand = &i18n.Message{
		ID:          "UnknownSubcommand",
		Description: "Reply to a command with a wrong second word. Input is a code span, Commands a list of code spans.",
		Other:       "I don't understand {{.Input}}. You can use:\n\n{{.Commands}}",
	}
	msgBadArguments = &i18n.Message{
		ID:          "BadArguments",
		Description: "Reply to a command with too few or too many words. Usage and Example are code spans.",
		Other:       "That command is written {{.Usage}}, for example {{.Example}}.",
	}
	msgNeedModerator = &i18n.Message{
		ID:          "NeedModerator",
		Description: "Polite refusal when someone below the moderator power level tries to change a setting. Level is a number.",
		Other:       "Sorry, only moderators of this room (power level {{.Level}} or more) can change that. Nothing was changed.",
	}
	msgNotInDirectChat = &i18n.Message{
		ID:          "NotInDirectChat",
		Description: "Refusal of a command that changes a shared room (coalition, schedules, forms, glossary, responders) when sent in the private chat with the bot.",
		Other:       "That works in a shared room, not in our private chat: a private chat never joins a coalition. Send it in the room it is about. Nothing was changed.",
	}
	msgUntrustedDevice = &i18n.Message{
		ID:          "UntrustedDevice",
		Description: "Refusal of a command that changes settings or acts on incidents, sent from a device its owner has not verified (or from a room without encryption, where no device can be told).",
		Other:       "I only take that from a verified device, and this message came from a device you have not verified (or from a room without end-to-end encryption). Verify this device from one of your other sessions or with your recovery key (in Element: Settings → Sessions), then send the command again. Nothing was changed.",
	}
	msgEncryptedNotHere = &i18n.Message{
		ID:          "EncryptedNotHere",
		Description: "The answer would show content from end-to-end encrypted messages in a room that is not encrypted.",
		Other:       "I cannot show that here: it comes from end-to-end encrypted messages and this room is not encrypted. Ask in an encrypted room.",
	}
	msgInternalError = &i18n.Message{
		ID:          "InternalError",
		Description: "Something failed inside the bot; the person should try again later.",
		Other:       "Something went wrong on my side and nothing was changed. Please try again in a moment.",
	}
)
