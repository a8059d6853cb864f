package forms

import "maunium.net/go/mautrix/format"

// Keyword is a control word of a conversation.
type Keyword int

const (
	NoKeyword Keyword = iota
	KeyBack
	KeySkip
	KeyReview
	KeyCancel
	KeySubmit
)

// keywords are understood in every interface language, whatever the
// conversation's language (people switch).
var keywords = func() map[string]Keyword {
	words := map[Keyword][]string{
		KeyBack:   {"back", "atrás", "atras", "volver", "retour", "précédent", "voltar", "enrere", "tornar", "zurück", "رجوع", "السابق"},
		KeySkip:   {"skip", "saltar", "omitir", "passer", "pular", "ometre", "überspringen", "weiter", "تخطي", "تخطّي"},
		KeyReview: {"review", "revisar", "revoir", "résumé", "rever", "repassar", "überprüfen", "übersicht", "مراجعة"},
		KeyCancel: {"cancel", "cancelar", "annuler", "cancel·lar", "cancellar", "abbrechen", "إلغاء", "الغاء"},
		KeySubmit: {"submit", "enviar", "envoyer", "valider", "absenden", "senden", "إرسال", "ارسال"},
	}
	out := map[string]Keyword{}
	for k, ws := range words {
		for _, w := range ws {
			out[fold(w)] = k
		}
	}
	return out
}()

// KeywordOf tells which control word (if any) a message is.
func KeywordOf(input string) Keyword {
	return keywords[fold(input)]
}

// code shows the control word in the reader's language as a code span.
func code(lang string, k Keyword) string {
	return format.SafeMarkdownCode(keywordIn(lang, k))
}

func keywordIn(lang string, k Keyword) string {
	words := map[string]map[Keyword]string{
		"en": {KeyBack: "back", KeySkip: "skip", KeyReview: "review", KeyCancel: "cancel", KeySubmit: "submit"},
		"es": {KeyBack: "atrás", KeySkip: "saltar", KeyReview: "revisar", KeyCancel: "cancelar", KeySubmit: "enviar"},
		"fr": {KeyBack: "retour", KeySkip: "passer", KeyReview: "revoir", KeyCancel: "annuler", KeySubmit: "envoyer"},
		"pt": {KeyBack: "voltar", KeySkip: "pular", KeyReview: "rever", KeyCancel: "cancelar", KeySubmit: "enviar"},
		"ca": {KeyBack: "enrere", KeySkip: "ometre", KeyReview: "repassar", KeyCancel: "cancel·lar", KeySubmit: "enviar"},
		"de": {KeyBack: "zurück", KeySkip: "überspringen", KeyReview: "übersicht", KeyCancel: "abbrechen", KeySubmit: "absenden"},
		"ar": {KeyBack: "رجوع", KeySkip: "تخطي", KeyReview: "مراجعة", KeyCancel: "إلغاء", KeySubmit: "إرسال"},
	}
	if w, ok := words[lang][k]; ok {
		return w
	}
	return words["en"][k]
}
