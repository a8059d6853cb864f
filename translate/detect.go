package translate

import (
	"maps"
	"slices"
	"strings"
	"unicode"
)

// A message's language, in rooms where several are spoken. Small libraries
// that detect languages leave out Catalan, and complete ones weigh a
// hundred megabytes of models; the languages Starling translates between
// are told apart well by their commonest words and a few letters.

// commonWords are each language's most frequent short words, accents
// folded as people type them on phones.
var commonWords = map[string][]string{
	"es": strings.Fields("el la los las de que y en un una por con para es se no del al lo como mas pero sus le ya muy tambien nosotros nos esta estan hay son fue mañana hoy todo todas todos porque cuando donde hola gracias somos vamos"),
	"ca": strings.Fields("el la els les de que i en un una per amb es no del al com mes pero seus ja molt tambe nosaltres ens esta estan hi son va dema avui tot totes tots perque quan on hola gracies som anem aixo aquesta aquest"),
	"pt": strings.Fields("o a os as de que e em um uma por com para se nao do da dos das ao como mais mas seu ja muito tambem nos esta estao ha sao foi amanha hoje tudo todas todos porque quando onde ola obrigado obrigada somos vamos"),
	"fr": strings.Fields("le la les de que et en un une pour avec est se ne pas du des au aux comme plus mais son deja tres aussi nous il elle sont ont demain aujourd hui tout toutes tous parce quand ou bonjour merci sommes allons ce cette"),
	"en": strings.Fields("the a of and to in is that for on with as are be this not we you it at by from have will tomorrow today all because when where hello thanks our they there was were what"),
	"it": strings.Fields("il la i gli le di che e in un una per con si non del della al come piu ma suo gia molto anche noi sono domani oggi tutto tutti perche quando dove ciao grazie siamo andiamo questo questa"),
	"de": strings.Fields("der die das und zu in ist den nicht von mit sich des auf fur ein eine dem wir sie auch morgen heute alle weil wann wo hallo danke sind haben wird es ich"),
}

// letterHints are letters one language writes and its neighbours do not.
var letterHints = map[rune]string{'ñ': "es", 'ã': "pt", 'õ': "pt", 'ß': "de", 'ä': "de", 'ö': "de", 'ü': "de", 'ò': "ca", 'ï': "ca", 'œ': "fr", 'ê': "fr", 'û': "fr", 'ù': "fr"}

var wordSets = func() map[string]map[string]bool {
	out := make(map[string]map[string]bool, len(commonWords))
	for lang, words := range commonWords {
		out[lang] = make(map[string]bool, len(words))
		for _, w := range words {
			out[lang][fold(w)] = true
		}
	}
	return out
}()

// Detect names the language text is written in, among the languages it
// tells apart (Arabic by its script), and whether it is sure enough to act
// on; when unsure, the caller keeps the room's language.
func Detect(text string) (string, bool) {
	var arabic, letters int
	score := map[string]float64{}
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Arabic, r) {
				arabic++
			}
		}
		if lang, ok := letterHints[unicode.ToLower(r)]; ok {
			score[lang] += 1.5
		}
	}
	if letters > 0 && arabic*2 > letters {
		return "ar", true
	}
	if strings.Contains(strings.ToLower(text), "l·l") {
		score["ca"] += 3
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) })
	for _, w := range words {
		w = fold(w)
		for lang, set := range wordSets {
			if set[w] {
				score[lang]++
			}
		}
	}
	best, second := "", 0.0
	for _, lang := range slices.Sorted(maps.Keys(score)) {
		switch s := score[lang]; {
		case best == "" || s > score[best]:
			second, best = score[best], lang
		case s > second:
			second = s
		}
	}
	if best == "" || score[best] < 2 || score[best] < second+1 {
		return "", false
	}
	return best, true
}

// fold drops accents from the letters of the languages above.
func fold(w string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'á', 'à', 'â', 'ã', 'ä':
			return 'a'
		case 'é', 'è', 'ê', 'ë':
			return 'e'
		case 'í', 'ì', 'î', 'ï':
			return 'i'
		case 'ó', 'ò', 'ô', 'õ', 'ö':
			return 'o'
		case 'ú', 'ù', 'û', 'ü':
			return 'u'
		case 'ç':
			return 'c'
		}
		return r
	}, w)
}
