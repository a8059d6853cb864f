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
				{Name: "room", Aliases: []string{"sala", "salon", "raum", "غرفة"}, Need: Moderator, Usage: "<code|auto>", Example: "es",
					MinArgs: 1, MaxArgs: 2, Summary: msgLangRoomSummary, Run: runLangRoom},
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
		{
			Name: "link", Aliases: []string{"enlace", "lien", "ligação", "enllaç", "verbindung", "ربط"},
			Summary: msgLinkSummary, Run: runLinkList,
			Sub: []*Command{
				{Name: "new", Need: Moderator, Shared: true, Usage: "<name>", Example: "Red de Solidaridad", MinArgs: 1, MaxArgs: -1,
					Summary: msgLinkNewSummary, Run: runLinkNew},
				{Name: "code", Need: Moderator, Shared: true, Summary: msgLinkCodeSummary, Run: runLinkCode},
				{Name: "join", Need: Moderator, Shared: true, Usage: "<code>", Example: "K7Q2-MX4P-9TZR", MinArgs: 1, MaxArgs: 3,
					Summary: msgLinkJoinSummary, Run: runLinkJoin},
				{Name: "list", Summary: msgLinkListSummary, Run: runLinkList},
				{Name: "leave", Need: Moderator, Shared: true, Summary: msgLinkLeaveSummary, Run: runLinkLeave},
				{Name: "pause", Need: Moderator, Shared: true, Summary: msgLinkPauseSummary, Run: runLinkPause},
				{Name: "resume", Need: Moderator, Shared: true, Summary: msgLinkResumeSummary, Run: runLinkResume},
				{Name: "remove", Need: Moderator, Shared: true, Usage: "<room>", Example: "2", MinArgs: 1, MaxArgs: -1,
					Summary: msgLinkRemoveSummary, Run: runLinkRemove},
				{Name: "failures", Need: Moderator, Shared: true, Summary: msgLinkFailuresSummary, Run: runLinkFailures},
			},
		},
		{
			Name: "glossary", Aliases: []string{"glosario", "glossaire", "glossário", "glossari", "glossar", "مسرد"},
			Summary: msgGlossarySummary, Run: runGlossaryList,
			Sub: []*Command{
				{Name: "add", Need: Moderator, Shared: true, Usage: "<term> [= es:<t> fr:<t>]", Example: "huelga = en:strike fr:grève",
					MinArgs: 1, MaxArgs: -1, Summary: msgGlossaryAddSummary, Run: runGlossaryAdd},
				{Name: "list", Summary: msgGlossaryListSummary, Run: runGlossaryList},
				{Name: "remove", Need: Moderator, Shared: true, Usage: "<term>", Example: "huelga", MinArgs: 1, MaxArgs: -1,
					Summary: msgGlossaryRemoveSummary, Run: runGlossaryRemove},
			},
		},
		{Name: "original", Aliases: []string{"origen", "orig"}, Summary: msgOriginalSummary, Run: runOriginal},
		{Name: "translate", Aliases: []string{"traducir", "traduire", "traduzir", "traduir", "übersetzen", "ترجم"}, Usage: "[<lang>]", Example: "es",
			MaxArgs: 1, Summary: msgTranslateSummary, Run: runTranslate},
		{
			Name: "checkin", Summary: msgCheckinSummaryCmd, Run: runScheduleList,
			Sub: []*Command{{Name: "add", Need: Moderator, Shared: true, Usage: "<when> | <prompt> [rotate @a @b] [| window 12h]",
				Example: "every monday 18:00 | How is your group doing?", MinArgs: 3, MaxArgs: -1, Summary: msgCheckinAddSummary, Run: runCheckinAdd}},
		},
		{
			Name: "vigil", Aliases: []string{"vigilia", "veillée", "vigília", "vetlla", "mahnwache", "وقفة"}, Summary: msgCheckinSummaryCmd, Run: runScheduleList,
			Sub: []*Command{{Name: "add", Need: Moderator, Shared: true, Usage: "<when> | <title>",
				Example: "2026-12-10 19:00 America/Santiago | Vigil for the detained", MinArgs: 3, MaxArgs: -1, Summary: msgVigilAddSummary, Run: runVigilAdd}},
		},
		{
			Name: "form", Aliases: []string{"formulario", "formulaire", "formulário", "formulari", "formular", "نموذج"},
			Summary: msgFormSummary, Run: runFormList,
			Sub: []*Command{
				{Name: "list", Summary: msgFormSummary, Run: runFormList},
				{Name: "start", Need: Moderator, Shared: true, Usage: "<template> [deadline]", Example: "needs-assessment 7d", MinArgs: 1, MaxArgs: 3,
					Summary: msgFormStartSummary, Run: runFormStart},
				{Name: "results", Need: Moderator, Usage: "<id>", Example: "f1", MinArgs: 1, MaxArgs: 1, Summary: msgFormResultsSummary, Run: runFormResults},
				{Name: "export", Need: Moderator, Shared: true, Usage: "<id>", Example: "f1", MinArgs: 1, MaxArgs: 1, Summary: msgFormExportSummary, Run: runFormExport},
				{Name: "close", Need: Moderator, Shared: true, Usage: "<id>", Example: "f1", MinArgs: 1, MaxArgs: 1, Summary: msgFormCloseSummary, Run: runFormClose},
			},
		},
		{Name: "fill", Aliases: []string{"rellenar", "remplir", "preencher", "emplenar", "ausfüllen", "تعبئة"}, Usage: "[id]", Example: "f1",
			MaxArgs: 1, Trusted: true, Summary: msgFillSummary, Run: runFill},
		{Name: "status", Aliases: []string{"estado", "statut", "estat", "حالة"}, Trusted: true, Summary: msgStatusSummary, Run: runStatus},
		{Name: "report", Aliases: []string{"informe", "denunciar", "signaler", "relatar", "informar", "melden", "بلاغ"},
			Trusted: true, Summary: msgReportSummary, Run: runReport},
		{
			Name: "incident", Aliases: []string{"incidente", "incidencia", "incidència", "vorfall", "حادثة"},
			Summary: msgIncidentSummary, Trusted: true, Run: runIncidentList,
			Sub: []*Command{
				{Name: "room", Need: Moderator, Shared: true, Summary: msgIncidentRoomSummary, Run: runIncidentRoom},
				{Name: "policy", Need: Moderator, Shared: true, Usage: "[severity step]", Example: "critical 5m every 15m x3", MaxArgs: -1,
					Summary: msgIncidentPolicySum, Run: runIncidentPolicy},
				{Name: "list", Trusted: true, Summary: msgIncidentSummary, Run: runIncidentList},
				{Name: "show", Trusted: true, Usage: "<id>", Example: "i1", MinArgs: 1, MaxArgs: 1, Summary: msgIncidentShowSummary, Run: runIncidentShow},
				{Name: "reply", Trusted: true, Usage: "<id> <text>", Example: "i1 We are on our way", MinArgs: 2, MaxArgs: -1,
					Summary: msgIncidentReplySummary, Run: runIncidentReply},
				{Name: "snooze", Trusted: true, Usage: "<id> <duration>", Example: "i1 2h", MinArgs: 2, MaxArgs: 2,
					Summary: msgIncidentSnoozeSummary, Run: runIncidentSnooze},
				{Name: "severity", Trusted: true, Usage: "<id> <low|medium|high|critical>", Example: "i1 critical", MinArgs: 2, MaxArgs: 2,
					Summary: msgIncidentSeveritySummary, Run: runIncidentSeverity},
				{Name: "page", Trusted: true, Usage: "<id> <@person …>", Example: "i1 @ana:example.org", MinArgs: 2, MaxArgs: 21,
					Summary: msgIncidentPageSummary, Run: runIncidentPage},
			},
		},
		{
			Name: "duty", Aliases: []string{"guardia", "astreinte", "plantão", "guàrdia", "dienst", "مناوبة"}, Summary: msgDutySummary, Run: runDutyShow,
			Sub: []*Command{
				{Name: "add", Need: Moderator, Shared: true, Usage: "<@person …> <when>", Example: "@ana:example.org @ben:example.org every monday 09:00",
					MinArgs: 2, MaxArgs: -1, Summary: msgDutyAddSummary, Run: runDutyAdd},
				{Name: "off", Need: Moderator, Shared: true, Summary: msgDutyOffSummary, Run: runDutyOff},
			},
		},
		{Name: "away", Aliases: []string{"ausente", "absent", "fora", "abwesend", "غائب"}, Trusted: true, Usage: "[<from>..<until> | off]",
			Example: "2026-12-20..2027-01-06", MaxArgs: 3, Summary: msgAwaySummary, Run: runAway},
		{Name: "quiet", Aliases: []string{"silencio", "silence", "silêncio", "silenci", "ruhe", "هدوء"}, Trusted: true, Usage: "[<from>-<until> | off]",
			Example: "23:00-07:00", MaxArgs: 3, Summary: msgQuietSummary, Run: runQuiet},
		{Name: "ack", Trusted: true, Usage: "<id>", Example: "i1", MinArgs: 1, MaxArgs: 1, Summary: msgAckSummary, Run: runAck},
		{Name: "resolve", Trusted: true, Usage: "<id> [note]", Example: "i1 Released this morning", MinArgs: 1, MaxArgs: -1, Summary: msgResolveSummary, Run: runResolve},
		{Name: "calendar", Aliases: []string{"calendario", "calendrier", "calendari", "kalender", "تقويم"}, Summary: msgCalendarSummary, Run: runCalendar},
		{
			Name: "schedule", Aliases: []string{"agenda"}, Summary: msgScheduleSummary, Run: runScheduleList,
			Sub: []*Command{
				{Name: "list", Summary: msgScheduleListSum, Run: runScheduleList},
				{Name: "cancel", Need: Moderator, Shared: true, Usage: "<id>", Example: "c3", MinArgs: 1, MaxArgs: 1, Summary: msgScheduleCancelSum, Run: runScheduleCancel},
				{Name: "pause", Need: Moderator, Shared: true, Usage: "<id>", Example: "c3", MinArgs: 1, MaxArgs: 1, Summary: msgSchedulePauseSum, Run: runSchedulePause},
				{Name: "resume", Need: Moderator, Shared: true, Usage: "<id>", Example: "c3", MinArgs: 1, MaxArgs: 1, Summary: msgScheduleResumeSum, Run: runScheduleResume},
			},
		},
	}
}
