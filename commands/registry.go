package commands

// registry is the one table of every command Starling understands.
func registry() []*Command {
	return []*Command{
		{
			Name: "help", Aliases: []string{"ayuda", "aide", "ajuda", "hilfe", "مساعدة"},
			Usage: "[command]", Example: "lang", MaxArgs: 2,
			Summary: msgHelpSummary, Run: runHelp,
		},
		{
			Name: "lang", Aliases: []string{"language", "idioma", "langue", "sprache", "لغة"},
			Summary: msgLangSummary, Run: runLangShow,
			Sub: []*Command{
				{Name: "room", Aliases: []string{"sala", "salon", "raum", "غرفة"}, Need: Moderator, Usage: "<code>", Example: "es",
					MinArgs: 1, MaxArgs: 1, Summary: msgLangRoomSummary, Run: runLangRoom},
				{Name: "me", Aliases: []string{"yo", "moi", "eu", "jo", "ich", "أنا"}, Usage: "<code>", Example: "fr",
					MinArgs: 1, MaxArgs: 1, Summary: msgLangMeSummary, Run: runLangMe},
			},
		},
		{
			Name: "tz", Aliases: []string{"timezone", "zona", "fuseau", "zeitzone", "منطقة"},
			Summary: msgTzSummary, Run: runTzShow,
			Sub: []*Command{
				{Name: "room", Aliases: []string{"sala", "salon", "raum", "غرفة"}, Need: Moderator, Usage: "<zone>", Example: "Europe/Madrid",
					MinArgs: 1, MaxArgs: 3, Summary: msgTzRoomSummary, Run: runTzRoom},
				{Name: "me", Aliases: []string{"yo", "moi", "eu", "jo", "ich", "أنا"}, Usage: "<zone>", Example: "America/Santiago",
					MinArgs: 1, MaxArgs: 3, Summary: msgTzMeSummary, Run: runTzMe},
			},
		},
	}
}
