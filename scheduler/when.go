package scheduler

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"starling/internal/fuzzy"
	"starling/internal/mxtext"
)

// WhenError says what is wrong with a typed <when>, for a localized answer.
type WhenError struct {
	Kind WhenErrorKind
	// Word is the part of the input at fault.
	Word string
	// Suggestions are zones close to a mistyped one.
	Suggestions []string
}

// WhenErrorKind is what went wrong.
type WhenErrorKind int

const (
	WhenUnknownWord WhenErrorKind = iota
	WhenNoTime
	WhenBadTime
	WhenBadDate
	WhenBadZone
	WhenPast
	WhenBadCron
	WhenNoDay
)

func (e *WhenError) Error() string {
	return fmt.Sprintf("bad schedule (%d): %q", e.Kind, e.Word)
}

// Words of every interface language, without accents and in lower case.
var (
	weekdayWords = map[string]time.Weekday{
		"monday": time.Monday, "mon": time.Monday, "lunes": time.Monday, "lundi": time.Monday, "segunda": time.Monday,
		"dilluns": time.Monday, "montag": time.Monday,
		"tuesday": time.Tuesday, "tue": time.Tuesday, "martes": time.Tuesday, "mardi": time.Tuesday, "terca": time.Tuesday,
		"dimarts": time.Tuesday, "dienstag": time.Tuesday,
		"wednesday": time.Wednesday, "wed": time.Wednesday, "miercoles": time.Wednesday, "mercredi": time.Wednesday,
		"quarta": time.Wednesday, "dimecres": time.Wednesday, "mittwoch": time.Wednesday,
		"thursday": time.Thursday, "thu": time.Thursday, "jueves": time.Thursday, "jeudi": time.Thursday, "quinta": time.Thursday,
		"dijous": time.Thursday, "donnerstag": time.Thursday,
		"friday": time.Friday, "fri": time.Friday, "viernes": time.Friday, "vendredi": time.Friday, "sexta": time.Friday,
		"divendres": time.Friday, "freitag": time.Friday,
		"saturday": time.Saturday, "sat": time.Saturday, "sabado": time.Saturday, "samedi": time.Saturday,
		"dissabte": time.Saturday, "samstag": time.Saturday,
		"sunday": time.Sunday, "sun": time.Sunday, "domingo": time.Sunday, "dimanche": time.Sunday,
		"diumenge": time.Sunday, "sonntag": time.Sunday,
		"اثنين": time.Monday, "ثلاثاء": time.Tuesday, "اربعاء": time.Wednesday, "خميس": time.Thursday,
		"جمعة": time.Friday, "جمعه": time.Friday, "سبت": time.Saturday, "احد": time.Sunday,
	}
	ordinalWords = map[string]int{
		"first": 1, "1st": 1, "primer": 1, "primero": 1, "primera": 1, "premier": 1, "premiere": 1, "primeiro": 1, "primeira": 1,
		"erste": 1, "erster": 1, "ersten": 1, "1.": 1,
		"second": 2, "2nd": 2, "segundo": 2, "deuxieme": 2, "second.": 2, "segon": 2, "zweite": 2, "zweiter": 2, "zweiten": 2, "2.": 2,
		"third": 3, "3rd": 3, "tercer": 3, "tercero": 3, "tercera": 3, "troisieme": 3, "terceiro": 3, "dritte": 3, "dritter": 3, "dritten": 3, "3.": 3,
		"fourth": 4, "4th": 4, "cuarto": 4, "cuarta": 4, "quatrieme": 4, "quarto": 4, "quart": 4, "vierte": 4, "vierter": 4, "vierten": 4, "4.": 4,
		"اول": 1, "ثاني": 2, "ثالث": 3, "رابع": 4, "اخير": -1, "اخر": -1,
		"last": -1, "ultimo": -1, "ultima": -1, "dernier": -1, "derniere": -1, "ultim": -1, "letzte": -1, "letzter": -1, "letzten": -1,
	}
	everyWords   = set("every", "each", "cada", "chaque", "tous", "toutes", "todo", "todos", "toda", "todas", "jeden", "jede", "jedes", "alle", "tots", "totes", "كل")
	dayWords     = set("day", "days", "daily", "dia", "dias", "diario", "jour", "jours", "quotidien", "tag", "tage", "taglich", "يوم", "يوميا")
	weekWords    = set("week", "weeks", "semana", "semanas", "semaine", "semaines", "setmana", "setmanes", "woche", "wochen", "اسبوع", "اسابيع")
	monthWords   = set("month", "months", "mes", "meses", "mesos", "mois", "monat", "monate", "monats", "شهر", "اشهر", "شهور")
	workdayWords = set("weekday", "weekdays", "workday", "workdays", "laborable", "laborables", "ouvrable", "ouvrables", "util", "uteis", "feiner", "feiners", "werktag", "werktage", "عمل")
	// fortnightWords say "every two weeks" in one word (Arabic dual).
	fortnightWords = set("اسبوعين", "fortnight", "fortnightly")
	fillerWords    = set("the", "of", "at", "on", "a", "an", "de", "del", "du", "do", "da", "des", "le", "la", "les", "el", "los", "las", "o", "os", "as", "um", "am", "an", "des", "dem", "der", "den", "um", "a", "al", "au", "en", "em", "mes", "feira", "h", "uhr", "y", "and", "et", "e", "und", "i", "من", "في", "الساعة", "الساعه", "و")
	cronKeyword    = "cron"
	clockRE        = regexp.MustCompile(`^(\d{1,2})(?:[:h.](\d{2}))?(am|pm|h)?$`)
	isoDateRE      = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	intervalRE     = regexp.MustCompile(`^\d{1,2}$`)
	maxWhenLength  = 200
)

var arabicDigits = strings.NewReplacer("٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9", "٫", ":")

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// fold lower-cases and strips accents, so "miércoles" and "miercoles"
// match, and reads Arabic-Indic digits as ASCII ones.
func fold(s string) string { return fuzzy.Fold(arabicDigits.Replace(s)) }

// ParseWhen reads a schedule as people type it, in any interface language:
// "every monday 18:00", "cada día 09:30 Europe/Madrid", "every 2 weeks
// friday 17:00", "first sunday of the month 12:00", "every weekday 08:00",
// "2026-12-10 19:00 America/Santiago", "cron 0 18 * * MON". Without a zone
// the default zone is used. now anchors "every 2 weeks" and rejects past
// one-off dates.
func ParseWhen(input string, defaultZone *time.Location, now time.Time) (Rule, error) {
	input = strings.TrimSpace(input)
	if len(input) > maxWhenLength {
		return nil, &WhenError{Kind: WhenUnknownWord, Word: mxtext.Clip(input, 41)}
	}
	fields := strings.Fields(input)
	if len(fields) == 0 {
		return nil, &WhenError{Kind: WhenNoTime}
	}
	fields, loc, err := splitZone(fields, defaultZone)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 && strings.EqualFold(fields[0], cronKeyword) {
		return parseCron(fields[1:], loc, now)
	}
	var w whenWords
	if err = w.read(fields); err != nil {
		return nil, err
	}
	return w.rule(input, loc, now)
}

// splitZone takes the zone off the end when the last word names one (or
// looks like one).
func splitZone(fields []string, defaultZone *time.Location) ([]string, *time.Location, error) {
	last := fields[len(fields)-1]
	if !strings.Contains(last, "/") && !strings.EqualFold(last, "UTC") {
		return fields, defaultZone, nil
	}
	_, zone, ok := LookupZone(last)
	if !ok {
		return nil, nil, &WhenError{Kind: WhenBadZone, Word: last, Suggestions: SuggestZones(last, 3)}
	}
	return fields[:len(fields)-1], zone, nil
}

func parseCron(fields []string, loc *time.Location, now time.Time) (Rule, error) {
	spec := strings.Join(fields, " ")
	parsed, err := cron.ParseStandard("CRON_TZ=" + loc.String() + " " + spec)
	if err != nil || len(fields) != 5 || parsed.Next(now).IsZero() {
		// A spec that never fires ("30 February") is as wrong as a typo.
		return nil, &WhenError{Kind: WhenBadCron, Word: spec}
	}
	return &Cron{schedule: parsed, Loc: loc}, nil
}

// whenWords is what the words of a schedule said.
type whenWords struct {
	clock    *ClockTime
	date     *time.Time
	days     [7]bool
	anyDay   bool
	daily    bool
	workdays bool
	interval int
	// months is the number of months between occurrences ("every 3
	// months"), 1 when not said.
	months  int
	ordinal int
	monthly bool
}

func (ww *whenWords) read(fields []string) error {
	ww.interval, ww.months = 1, 1
	for i, raw := range fields {
		w := wordOf(raw)
		switch {
		case w == "":
		case intervalRE.MatchString(w) && i+1 < len(fields) && monthWords[wordOf(fields[i+1])]:
			ww.months, _ = strconv.Atoi(w)
			if ww.months < 1 || ww.months > 12 {
				return &WhenError{Kind: WhenUnknownWord, Word: raw}
			}
			ww.monthly = true
		case isoDateRE.MatchString(w):
			d, err := time.ParseInLocation("2006-01-02", w, time.UTC)
			if err != nil || ww.date != nil {
				return &WhenError{Kind: WhenBadDate, Word: raw}
			}
			ww.date = &d
		case intervalRE.MatchString(w) && i+1 < len(fields) && weekWords[wordOf(fields[i+1])]:
			ww.interval, _ = strconv.Atoi(w)
			if ww.interval < 1 || ww.interval > 52 {
				return &WhenError{Kind: WhenUnknownWord, Word: raw}
			}
		case clockRE.MatchString(w):
			c, err := parseClock(w)
			if err != nil {
				return &WhenError{Kind: WhenBadTime, Word: raw}
			}
			ww.clock = c
		case fortnightWords[w]:
			ww.interval = 2
		case everyWords[w] || weekWords[w]:
			// "every" and "week" only frame what the other words say.
		case dayWords[w]:
			ww.daily = true
		case workdayWords[w]:
			ww.workdays = true
		case monthWords[w] && w != "mes" || w == "mes" && ww.ordinal != 0:
			ww.monthly = true
		case ordinalWords[w] != 0:
			ww.ordinal = ordinalWords[w]
		default:
			if wd, ok := weekdayWords[w]; ok {
				ww.days[wd], ww.anyDay = true, true
				continue
			}
			if fillerWords[w] {
				continue
			}
			return &WhenError{Kind: WhenUnknownWord, Word: raw}
		}
	}
	return nil
}

// rule is the schedule the words make, or what they lack.
func (ww *whenWords) rule(input string, loc *time.Location, now time.Time) (Rule, error) {
	if ww.clock == nil {
		return nil, &WhenError{Kind: WhenNoTime}
	}
	days := ww.days
	switch {
	case ww.date != nil:
		t := At(ww.date.Year(), ww.date.Month(), ww.date.Day(), ww.clock.Hour, ww.clock.Minute, loc)
		if !t.After(now) {
			return nil, &WhenError{Kind: WhenPast, Word: input}
		}
		return &Once{Time: t}, nil
	case ww.ordinal != 0 || ww.monthly:
		if ww.ordinal == 0 || !ww.anyDay || countDays(days) != 1 {
			return nil, &WhenError{Kind: WhenNoDay, Word: input}
		}
		monthly := &MonthlyNth{N: ww.ordinal, Weekday: firstDay(days), At: *ww.clock, Loc: loc, Interval: 1}
		// Months are counted from the first occurrence, as weeks are.
		monthly.Anchor, monthly.Interval = monthly.Next(now), ww.months
		return monthly, nil
	case ww.workdays:
		for d := time.Monday; d <= time.Friday; d++ {
			days[d] = true
		}
	case ww.daily:
		for d := range days {
			days[d] = true
		}
	case !ww.anyDay:
		return nil, &WhenError{Kind: WhenNoDay, Word: input}
	}
	weekly := &Weekly{Days: days, At: *ww.clock, Interval: 1, Anchor: now, Loc: loc}
	// Weeks are counted from the first occurrence: "every 2 weeks friday"
	// said on a Sunday starts this coming Friday.
	weekly.Anchor, weekly.Interval = weekly.Next(now), ww.interval
	return weekly, nil
}

// wordOf folds a typed word and strips what only decorates it: trailing
// punctuation, Portuguese "-feira", the Arabic article on a known word.
func wordOf(raw string) string {
	w := fold(strings.Trim(raw, ",;،"))
	w = strings.TrimSuffix(w, "-feira")
	if rest, ok := strings.CutPrefix(w, "ال"); ok && knownWord(rest) {
		w = rest
	}
	return w
}

func knownWord(w string) bool {
	_, day := weekdayWords[w]
	return day || ordinalWords[w] != 0 || dayWords[w] || weekWords[w] || monthWords[w] || workdayWords[w] || everyWords[w]
}

// ParseClock reads a time of day as people type it: 18:00, 18h, 6h30, 9pm.
func ParseClock(s string) (*ClockTime, error) {
	w := strings.ToLower(strings.TrimSpace(s))
	if !clockRE.MatchString(w) {
		return nil, &WhenError{Kind: WhenBadTime, Word: s}
	}
	return parseClock(w)
}

func parseClock(w string) (*ClockTime, error) {
	m := clockRE.FindStringSubmatch(w)
	h, _ := strconv.Atoi(m[1])
	min := 0
	if m[2] != "" {
		min, _ = strconv.Atoi(m[2])
	}
	switch m[3] {
	case "am":
		if h == 12 {
			h = 0
		}
	case "pm":
		if h < 12 {
			h += 12
		}
	case "":
		if m[2] == "" {
			return nil, errors.New("a bare number is no time")
		}
	}
	if h > 23 || min > 59 || (m[3] == "am" || m[3] == "pm") && (h > 23) {
		return nil, errors.New("out of range")
	}
	return &ClockTime{Hour: h, Minute: min}, nil
}

func countDays(days [7]bool) int {
	n := 0
	for _, d := range days {
		if d {
			n++
		}
	}
	return n
}

func firstDay(days [7]bool) time.Weekday {
	for d, on := range days {
		if on {
			return time.Weekday(d)
		}
	}
	return time.Sunday
}
