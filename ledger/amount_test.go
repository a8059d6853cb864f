package ledger

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name  string
		input string
		lang  string
		want  Amount
		took  int
		err   AmountErrorKind // checked when wantErr
		isErr bool
	}{
		{name: "hours in one word", input: "6h translation", lang: "en", want: Amount{600, UnitHours}, took: 1},
		{name: "hours apart", input: "6 h translation", lang: "en", want: Amount{600, UnitHours}, took: 2},
		{name: "decimal comma in Spanish", input: "1,5 horas traducción", lang: "es", want: Amount{150, UnitHours}, took: 2},
		{name: "decimal point in English", input: "1.5h", lang: "en", want: Amount{150, UnitHours}, took: 1},
		{name: "minutes become hours", input: "90 min", lang: "fr", want: Amount{150, UnitHours}, took: 2},
		{name: "German hours", input: "3 Stunden", lang: "de", want: Amount{300, UnitHours}, took: 2},
		{name: "euro sign before", input: "€50 funds", lang: "en", want: Amount{5000, "EUR"}, took: 1},
		{name: "euro sign after, apart", input: "50 € fondos", lang: "es", want: Amount{5000, "EUR"}, took: 2},
		{name: "code after", input: "50 eur", lang: "fr", want: Amount{5000, "EUR"}, took: 2},
		{name: "code before", input: "EUR 1.234,56", lang: "es", want: Amount{123456, "EUR"}, took: 2},
		{name: "English thousands", input: "1,500 USD", lang: "en", want: Amount{150000, "USD"}, took: 2},
		{name: "Spanish thousands", input: "1.500 ARS", lang: "es", want: Amount{150000, "ARS"}, took: 2},
		{name: "Spanish comma is decimal", input: "1,500 EUR", lang: "es", want: Amount{150, "EUR"}, took: 2},
		{name: "French comma is decimal", input: "12,50 EUR", lang: "fr", want: Amount{1250, "EUR"}, took: 2},
		{name: "French space grouping", input: "1\u202f234,50 EUR", lang: "fr", want: Amount{123450, "EUR"}, took: 3},
		{name: "grouped with spaces", input: "1 234 567 EUR fondos", lang: "fr", want: Amount{123456700, "EUR"}, took: 4},
		{name: "hours are not a group", input: "3 100h", lang: "fr", want: Amount{300, UnitItems}, took: 1},
		{name: "Swiss apostrophes", input: "1'234.50 CHF", lang: "de", want: Amount{123450, "CHF"}, took: 2},
		{name: "both separators", input: "1,234.56 GBP", lang: "de", want: Amount{123456, "GBP"}, took: 2},
		{name: "US dollars", input: "US$20", lang: "es", want: Amount{2000, "USD"}, took: 1},
		{name: "reais", input: "R$ 35,90", lang: "pt", want: Amount{3590, "BRL"}, took: 2},
		{name: "Arabic-Indic digits and hours", input: "٦ ساعات ترجمة", lang: "ar", want: Amount{600, UnitHours}, took: 2},
		{name: "Arabic decimal mark", input: "١٫٥ ساعة", lang: "ar", want: Amount{150, UnitHours}, took: 2},
		{name: "a count", input: "3 materials", lang: "en", want: Amount{300, UnitItems}, took: 1},
		{name: "a count with its word", input: "12 unidades", lang: "es", want: Amount{1200, UnitItems}, took: 2},
		{name: "no amount", input: "translation for", lang: "en", want: Amount{}, took: 0},
		{name: "dollar sign names no currency", input: "$20 funds", lang: "en", isErr: true, err: AmountNoCurrency},
		{name: "dollar sign after", input: "20 $", lang: "es", isErr: true, err: AmountNoCurrency},
		{name: "zero", input: "0 h", lang: "en", isErr: true, err: AmountOutOfRange},
		{name: "too fine", input: "1.234 EUR", lang: "fr", isErr: true, err: AmountOutOfRange},
		{name: "too large", input: "9999999999999999 EUR", lang: "en", isErr: true, err: AmountOutOfRange},
		{name: "broken grouping", input: "1,23,4 EUR", lang: "en", isErr: true, err: AmountBadNumber},
		{name: "symbol twice", input: "€50€", lang: "en", isErr: true, err: AmountBadNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, took, err := ParseAmount(strings.Fields(tt.input), tt.lang)
			if tt.isErr {
				var ae *AmountError
				if !errors.As(err, &ae) || ae.Kind != tt.err {
					t.Fatalf("ParseAmount(%q) = %+v, %v; want error kind %d", tt.input, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want || took != tt.took {
				t.Fatalf("ParseAmount(%q, %s) = %+v, %d, %v; want %+v, %d", tt.input, tt.lang, got, took, err, tt.want, tt.took)
			}
		})
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		name string
		a    Amount
		lang string
		want string
	}{
		{"hours, Spanish", Amount{150, UnitHours}, "es", "1,5 h"},
		{"hours, English", Amount{150, UnitHours}, "en", "1.5 h"},
		{"money with cents", Amount{123450, "EUR"}, "de", "1.234,50 EUR"},
		{"whole money", Amount{5000, "USD"}, "en", "50 USD"},
		{"a count", Amount{300, UnitItems}, "fr", "3"},
		{"none", Amount{}, "en", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Format(tt.lang); got != tt.want {
				t.Errorf("Format = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzParseAmount: whatever is typed, in any interface language, an
// amount read back from how it is written in that language is the same
// amount, and nothing panics.
func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{"6h", "1,5 horas", "90 min", "€50", "50 €", "EUR 1.234,56", "1,500 USD", "US$20", "R$ 35,90",
		"٦ ساعات", "١٫٥ ساعة", "3", "12 unidades", "$20", "1'234.50 CHF", "0,01 h", "3 Stunden", "2 heures", "4 hores", "5 ساعة",
		"1.000.000,00 EUR", "1,,5", ".5h", "5.h", "€", "99999999999999999"} {
		for _, lang := range []string{"en", "es", "fr", "pt", "ca", "de", "ar"} {
			f.Add(seed, lang)
		}
	}
	f.Fuzz(func(t *testing.T, input, lang string) {
		if !utf8.ValidString(input) {
			return
		}
		a, took, err := ParseAmount(strings.Fields(input), lang)
		if err != nil || took == 0 {
			return
		}
		if a.Hundredths <= 0 || a.Hundredths > maxHundredths || a.Unit == "" {
			t.Fatalf("%q read as %+v", input, a)
		}
		again, _, err := ParseAmount(strings.Fields(a.Format(lang)), lang)
		if err != nil || again != a {
			t.Fatalf("%q read as %+v, written %q, read back as %+v (%v)", input, a, a.Format(lang), again, err)
		}
	})
}
