package ledger

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"starling/internal/fuzzy"
)

// Kinds of contribution, in the order they are listed.
const (
	KindFunds       = "funds"
	KindTime        = "time"
	KindTranslation = "translation"
	KindHosting     = "hosting"
	KindLegal       = "legal"
	KindMaterials   = "materials"
	KindCare        = "care"
	KindOther       = "other"
)

// Kinds lists every kind.
var Kinds = []string{KindFunds, KindTime, KindTranslation, KindHosting, KindLegal, KindMaterials, KindCare, KindOther}

// kindWords are what people call each kind, folded, in every interface
// language; several words are joined by one space.
var kindWords = map[string][]string{
	KindFunds:       {"funds", "fund", "money", "fondos", "dinero", "fonds", "argent", "fundos", "dinheiro", "fons", "diners", "geld", "mittel", "spende", "اموال", "مال", "تمويل"},
	KindTime:        {"time", "tiempo", "temps", "tempo", "zeit", "وقت"},
	KindTranslation: {"translation", "translating", "traduccion", "traduction", "traducao", "traduccio", "ubersetzung", "ترجمة", "ترجمه"},
	KindHosting:     {"hosting", "host", "alojamiento", "acogida", "hebergement", "accueil", "hospedagem", "acolhimento", "allotjament", "acollida", "unterkunft", "beherbergung", "استضافة", "ايواء"},
	KindLegal:       {"legal", "legal help", "legal support", "juridico", "asesoria legal", "apoyo legal", "juridique", "aide juridique", "assistencia juridica", "juridic", "suport juridic", "rechtshilfe", "rechtlich", "قانوني", "مساعدة قانونية", "دعم قانوني"},
	KindMaterials:   {"materials", "material", "materiales", "materiel", "materiaux", "materiais", "materials", "materialien", "مواد"},
	KindCare:        {"care", "emotional labour", "emotional labor", "emotional", "cuidados", "cuidado", "soin", "soins", "travail emotionnel", "cura", "cures", "fursorge", "sorgearbeit", "رعاية", "دعم نفسي"},
	KindOther:       {"other", "otro", "otra", "autre", "outro", "outra", "altre", "altra", "andere", "anderes", "sonstiges", "اخرى", "اخر"},
}

// forWords introduce whom a contribution was for.
var forWords = wordSet("for", "to", "para", "pa", "pour", "a", "per", "fur", "an", "لـ", "ل", "الى", "لصالح")

// coalitionWords name the coalition as a whole as the receiver.
var coalitionWords = wordSet("coalition", "coalicion", "coalicio", "coligacao", "coalizao", "coalizão", "koalition", "التحالف", "تحالف",
	"everyone", "all", "todos", "todas", "tous", "toutes", "tots", "totes", "alle", "الجميع")

// Kind names as readers see them.
var kindNames = map[string]*i18n.Message{
	KindFunds:       &i18n.Message{ID: "LedgerKindFunds", Other: "funds"},
	KindTime:        &i18n.Message{ID: "LedgerKindTime", Other: "time"},
	KindTranslation: &i18n.Message{ID: "LedgerKindTranslation", Other: "translation"},
	KindHosting:     &i18n.Message{ID: "LedgerKindHosting", Other: "hosting"},
	KindLegal:       &i18n.Message{ID: "LedgerKindLegal", Other: "legal help"},
	KindMaterials:   &i18n.Message{ID: "LedgerKindMaterials", Other: "materials"},
	KindCare:        &i18n.Message{ID: "LedgerKindCare", Other: "emotional labour"},
	KindOther:       &i18n.Message{ID: "LedgerKindOther", Other: "other"},
}

// KindName is the message that names a kind.
func KindName(kind string) *i18n.Message { return kindNames[kind] }

// maxNoteRunes bounds a note; longer ones are refused, not cut.
const maxNoteRunes = 500

// Draft is a contribution as typed: "6h translation for Sala EN: subtitled
// the video".
type Draft struct {
	Amount Amount
	Kind   string
	// To names the receiving room as typed (a name, or its number in
	// !link list); "" is the coalition as a whole.
	To   string
	Note string
}

// DraftError says what is wrong with a typed contribution.
type DraftError struct {
	Kind DraftErrorKind
	Word string
	// Amount is set for DraftBadAmount.
	Amount *AmountError
}

type DraftErrorKind int

const (
	DraftNoKind DraftErrorKind = iota
	DraftNoReceiver
	DraftBadAmount
	DraftNoteTooLong
)

func (e *DraftError) Error() string {
	return fmt.Sprintf("contribution cannot be read at %q (%d)", e.Word, e.Kind)
}

// ParseDraft reads "[amount] <kind> for <room|coalition>[: note]" as typed
// in lang (the words of every interface language are understood).
func ParseDraft(raw, lang string) (Draft, error) {
	head, note, _ := strings.Cut(raw, ":")
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxNoteRunes {
		return Draft{}, &DraftError{Kind: DraftNoteTooLong}
	}
	words := strings.Fields(head)
	amount, took, err := ParseAmount(words, lang)
	if err != nil {
		ae, _ := err.(*AmountError)
		return Draft{}, &DraftError{Kind: DraftBadAmount, Word: strings.Join(words[:min(2, len(words))], " "), Amount: ae}
	}
	words = words[took:]
	at := slices.IndexFunc(words, func(w string) bool { return forWords[fuzzy.Fold(w)] })
	if at < 0 {
		// "to" written into the receiver's name ("para Sala EN" is two
		// words; "للتحالف" is one).
		return Draft{}, &DraftError{Kind: DraftNoReceiver, Word: strings.Join(words, " ")}
	}
	kind := kindOf(words[:at])
	if kind == "" {
		return Draft{}, &DraftError{Kind: DraftNoKind, Word: strings.Join(words[:at], " ")}
	}
	to := strings.Join(words[at+1:], " ")
	if to == "" {
		return Draft{}, &DraftError{Kind: DraftNoReceiver}
	}
	if IsCoalition(to) {
		to = ""
	}
	return Draft{Amount: amount, Kind: kind, To: to, Note: note}, nil
}

// kindOf is the kind the words name, "" for none.
func kindOf(words []string) string {
	if len(words) == 0 {
		return ""
	}
	phrase := fuzzy.Fold(strings.Join(words, " "))
	for _, kind := range Kinds {
		if slices.Contains(kindWords[kind], phrase) {
			return kind
		}
	}
	return ""
}

// IsCoalition tells whether a receiver as typed names the whole coalition.
func IsCoalition(to string) bool {
	words := strings.Fields(fuzzy.Fold(to))
	return len(words) > 0 && coalitionWords[words[len(words)-1]] && len(words) <= 2
}
