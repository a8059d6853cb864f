package forms

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
