package ledger

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"starling/internal/fuzzy"
)

// Amount is how much a contribution was: hours, money in one currency, or
// a count of things. Values are kept in hundredths, so that 1,5 h and
// 12.50 EUR are exact.
type Amount struct {
	Hundredths int64
	// Unit is UnitHours, UnitItems or an ISO 4217 currency code.
	Unit string
}

const (
	UnitHours = "h"
	UnitItems = "items"
)

// maxHundredths bounds an amount well inside int64 when summed.
const maxHundredths = 100_000_000_000_000

// IsZero tells whether no amount was given.
func (a Amount) IsZero() bool { return a.Unit == "" }

// IsMoney tells whether the amount is in a currency.
func (a Amount) IsMoney() bool { return a.Unit != "" && a.Unit != UnitHours && a.Unit != UnitItems }

// Format writes the amount as a reader of lang writes numbers: "1,5 h",
// "12.50 EUR", "3".
func (a Amount) Format(lang string) string {
	if a.IsZero() {
		return ""
	}
	v := float64(a.Hundredths) / 100
	opts := []number.Option{number.MaxFractionDigits(2)}
	if a.IsMoney() && a.Hundredths%100 != 0 {
		opts = append(opts, number.MinFractionDigits(2))
	}
	n := message.NewPrinter(language.Make(numberLang(lang))).Sprint(number.Decimal(v, opts...))
	switch a.Unit {
	case UnitItems:
		return n
	case UnitHours:
		return n + " h"
	}
	return n + " " + a.Unit
}

// AmountError is an amount that could not be read, for a localized answer.
type AmountError struct {
	Kind AmountErrorKind
	Word string
}

type AmountErrorKind int

const (
	// AmountBadNumber: digits and separators that make no number.
	AmountBadNumber AmountErrorKind = iota
	// AmountNoCurrency: "$" alone names no currency.
	AmountNoCurrency
	// AmountOutOfRange: zero, negative, too large, or finer than hundredths.
	AmountOutOfRange
)

func (e *AmountError) Error() string {
	return fmt.Sprintf("amount %q cannot be read (%d)", e.Word, e.Kind)
}

var (
	hourWords   = wordSet("h", "hr", "hrs", "hour", "hours", "hora", "horas", "heure", "heures", "hores", "stunde", "stunden", "std", "س", "ساعة", "ساعه", "ساعات")
	minuteWords = wordSet("min", "mins", "minute", "minutes", "minuto", "minutos", "minut", "minuts", "minuten", "دقيقة", "دقيقه", "دقائق")
	itemWords   = wordSet("item", "items", "x", "unidad", "unidades", "unite", "unites", "unitat", "unitats", "stuck", "stk", "قطعة", "قطعه", "قطع")
	// currencySymbols name one currency each; "$" alone names none.
	currencySymbols = map[string]string{"€": "EUR", "£": "GBP", "us$": "USD", "r$": "BRL"}
	// currencies are the ISO 4217 codes the ledger accepts.
	currencies = wordSet("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "CNY", "INR", "BRL", "ARS", "CLP", "COP", "MXN",
		"PEN", "UYU", "BOB", "PYG", "VES", "CRC", "GTQ", "HNL", "NIO", "DOP", "CUP", "MAD", "DZD", "TND", "EGP", "LBP", "JOD", "SYP",
		"IQD", "SAR", "AED", "QAR", "KWD", "ILS", "TRY", "XOF", "XAF", "ZAR", "NGN", "KES", "GHS", "SEK", "NOK", "DKK", "PLN",
		"CZK", "HUF", "RON", "UAH", "RUB", "PHP", "IDR", "THB", "VND", "PKR", "BDT", "LKR")
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// ParseAmount reads an amount from the start of words, as people write it
// in lang: "6h", "6 h", "1,5 horas", "90 min", "€50", "50 €", "50 EUR",
// "EUR 1.234,56", "US$ 20", "3" (a count), with Western, Arabic-Indic or
// Persian digits. It returns how many words it took: none when the first
// word is no amount at all.
func ParseAmount(words []string, lang string) (Amount, int, error) {
	words, joined := joinGroups(words)
	a, took, err := parseAmount(words, lang)
	if took > 0 {
		took += joined
	}
	return a, took, err
}

// groupRE is a group of three digits after a space, with decimals if last.
var groupRE = regexp.MustCompile(`^\d{3}(?:[.,]\d{1,2})?$`)

// joinGroups puts a number grouped by spaces ("1 234,50", the French way)
// back together, and tells how many words it joined.
func joinGroups(words []string) ([]string, int) {
	if len(words) < 2 {
		return words, 0
	}
	first := normalizeDigits(words[0])
	if len(first) == 0 || len(first) > 3 || strings.Trim(first, "0123456789") != "" {
		return words, 0
	}
	n := 1
	for n < len(words) && groupRE.MatchString(normalizeDigits(words[n])) {
		first += normalizeDigits(words[n])
		n++
		if strings.ContainsAny(first, ".,") {
			break
		}
	}
	if n == 1 {
		return words, 0
	}
	return append([]string{first}, words[n:]...), n - 1
}

func parseAmount(words []string, lang string) (Amount, int, error) {
	if len(words) == 0 {
		return Amount{}, 0, nil
	}
	first := normalizeDigits(words[0])
	// A currency before the number, apart: "EUR 50", "€ 50".
	if code, ok := currencyOf(first); ok && len(words) > 1 && startsWithDigit(normalizeDigits(words[1])) {
		a, err := amountWithUnit(normalizeDigits(words[1]), lang, code)
		return a, 2, err
	}
	if first == "$" && len(words) > 1 && startsWithDigit(normalizeDigits(words[1])) || strings.HasPrefix(first, "$") && startsWithDigit(first[1:]) {
		return Amount{}, 0, &AmountError{Kind: AmountNoCurrency, Word: words[0]}
	}
	prefix, rest := splitSymbol(first)
	if !startsWithDigit(rest) {
		return Amount{}, 0, nil
	}
	num, suffix := splitNumber(rest)
	unit := prefix
	if suffix != "" {
		if unit != "" {
			return Amount{}, 0, &AmountError{Kind: AmountBadNumber, Word: words[0]}
		}
		u, err := unitOf(suffix, words[0])
		if err != nil {
			return Amount{}, 0, err
		}
		unit = u
	}
	took := 1
	if unit == "" && len(words) > 1 {
		if u, err := unitOf(normalizeDigits(words[1]), words[1]); err == nil {
			unit, took = u, 2
		} else if strings.Contains(words[1], "$") {
			return Amount{}, 0, err
		}
	}
	if unit == "" {
		unit = UnitItems
	}
	a, err := amountWithUnit(num, lang, unit)
	return a, took, err
}

// amountWithUnit reads the number, in minutes when unit says so.
func amountWithUnit(num, lang, unit string) (Amount, error) {
	v, err := parseNumber(num, lang)
	if err != nil {
		return Amount{}, err
	}
	if unit == "min" {
		v, unit = v/60, UnitHours
		if v == 0 {
			return Amount{}, &AmountError{Kind: AmountOutOfRange, Word: num}
		}
	}
	return Amount{Hundredths: v, Unit: unit}, nil
}

// unitOf is the unit a word names: hours, minutes ("min"), a count or a
// currency.
func unitOf(word, raw string) (string, error) {
	w := fuzzy.Fold(word)
	switch {
	case hourWords[w]:
		return UnitHours, nil
	case minuteWords[w]:
		return "min", nil
	case itemWords[w]:
		return UnitItems, nil
	case w == "$":
		return "", &AmountError{Kind: AmountNoCurrency, Word: raw}
	}
	if code, ok := currencyOf(word); ok {
		return code, nil
	}
	return "", &AmountError{Kind: AmountBadNumber, Word: raw}
}

// currencyOf is the ISO code a word or symbol names.
func currencyOf(word string) (string, bool) {
	if code, ok := currencySymbols[strings.ToLower(word)]; ok {
		return code, true
	}
	if up := strings.ToUpper(word); len(up) == 3 && currencies[up] {
		return up, true
	}
	return "", false
}

// splitSymbol takes a currency symbol off the front: "€50", "US$20".
func splitSymbol(word string) (code, rest string) {
	lower := strings.ToLower(word)
	for _, sym := range []string{"us$", "r$", "€", "£"} {
		if strings.HasPrefix(lower, sym) {
			return currencySymbols[sym], word[len(sym):]
		}
	}
	return "", word
}

// splitNumber cuts "1,5h" into "1,5" and "h".
func splitNumber(word string) (num, suffix string) {
	end := strings.IndexFunc(word, func(r rune) bool { return !isNumberRune(r) })
	if end < 0 {
		return word, ""
	}
	return strings.TrimRight(word[:end], ".,'"), word[end:]
}

func isNumberRune(r rune) bool {
	return r >= '0' && r <= '9' || r == '.' || r == ',' || r == '\''
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// normalizeDigits writes Arabic-Indic and Persian digits as ASCII ones,
// Arabic's decimal and thousands marks as "." and "'", and drops the
// spaces some languages group thousands with.
func normalizeDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '٠' && r <= '٩':
			b.WriteRune('0' + r - '٠')
		case r >= '۰' && r <= '۹':
			b.WriteRune('0' + r - '۰')
		case r == '٫':
			b.WriteRune('.')
		case r == '٬':
			b.WriteRune('\'')
		case r == '\u00a0' || r == '\u202f' || r == '\u2009':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Where one separator could group thousands or mark decimals ("1,500"),
// the reader's language decides: these group with ",", those with ".",
// the rest group with spaces and write decimals with either.
var (
	thousandsComma = map[string]bool{"en": true, "ar": true}
	thousandsDot   = map[string]bool{"es": true, "ca": true, "pt": true, "de": true, "it": true}
)

// parseNumber reads digits with separators, in hundredths. Where "1,500"
// or "1.500" could be either, the reader's language decides.
func parseNumber(num, lang string) (int64, error) {
	bad := &AmountError{Kind: AmountBadNumber, Word: num}
	if num == "" || strings.IndexFunc(num, func(r rune) bool { return !isNumberRune(r) }) >= 0 {
		return 0, bad
	}
	num = strings.ReplaceAll(num, "'", "")
	dots, commas := strings.Count(num, "."), strings.Count(num, ",")
	var decimal byte
	switch {
	case dots > 0 && commas > 0:
		decimal = num[max(strings.LastIndexByte(num, '.'), strings.LastIndexByte(num, ','))]
	case dots+commas == 1:
		sep := byte('.')
		if commas == 1 {
			sep = ','
		}
		after := len(num) - strings.IndexByte(num, sep) - 1
		l := numberLang(lang)
		groups := sep == ',' && thousandsComma[l] || sep == '.' && thousandsDot[l]
		if after != 3 || !groups {
			decimal = sep
		}
	}
	intPart, frac := num, ""
	if decimal != 0 {
		i := strings.LastIndexByte(num, decimal)
		intPart, frac = num[:i], num[i+1:]
		if strings.ContainsAny(frac, ".,") {
			return 0, bad
		}
	}
	// What is left of the separators groups thousands: three digits each.
	groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == '.' || r == ',' })
	if len(groups) == 0 || strings.HasPrefix(intPart, ".") || strings.HasPrefix(intPart, ",") {
		return 0, bad
	}
	for i, g := range groups[1:] {
		if len(g) != 3 || i == 0 && len(groups[0]) > 3 {
			return 0, bad
		}
	}
	digits := strings.Join(groups, "")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, &AmountError{Kind: AmountOutOfRange, Word: num}
	}
	frac += strings.Repeat("0", 2-len(frac))
	digits = strings.TrimLeft(digits, "0")
	if len(digits) > 15 {
		return 0, &AmountError{Kind: AmountOutOfRange, Word: num}
	}
	var v int64
	for _, r := range digits + frac {
		v = v*10 + int64(r-'0')
	}
	if v <= 0 || v > maxHundredths {
		return 0, &AmountError{Kind: AmountOutOfRange, Word: num}
	}
	return v, nil
}

// numberLang is the language whose way of writing numbers is used: the
// reader's, if it is one Starling speaks, else English.
func numberLang(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	if thousandsComma[base] || thousandsDot[base] || base == "fr" {
		return base
	}
	return "en"
}
