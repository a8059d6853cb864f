package translate

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct {
		name, text, want string
		sure             bool
	}{
		{name: "spanish", text: "Mañana nos reunimos en la plaza con las vecinas del barrio", want: "es", sure: true},
		{name: "catalan", text: "Demà ens reunim a la plaça amb les veïnes del barri, això és important", want: "ca", sure: true},
		{name: "portuguese", text: "Amanhã vamos reunir na praça com as vizinhas, não esqueçam", want: "pt", sure: true},
		{name: "french", text: "Nous manifestons demain devant la mairie avec les voisines", want: "fr", sure: true},
		{name: "english", text: "We will meet tomorrow in the square with all the neighbours", want: "en", sure: true},
		{name: "italian", text: "Domani ci vediamo in piazza con tutti i vicini, grazie", want: "it", sure: true},
		{name: "german", text: "Wir treffen uns morgen auf dem Platz und sind alle dabei", want: "de", sure: true},
		{name: "arabic", text: "نلتقي غدا في الساحة مع الجيران", want: "ar", sure: true},
		{name: "catalan's middle dot", text: "La col·lectiva i la cel·la", want: "ca", sure: true},
		{name: "too short to say", text: "ok", sure: false},
		{name: "only figures", text: "18:30 2026-12-10", sure: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, sure := Detect(tt.text)
			if sure != tt.sure || sure && got != tt.want {
				t.Errorf("Detect(%q) = %q, %v; want %q, %v", tt.text, got, sure, tt.want, tt.sure)
			}
		})
	}
}

// FuzzDetect: any text gets an answer or "unsure", never a panic, and an
// answer is one of the languages it knows.
func FuzzDetect(f *testing.F) {
	for _, seed := range []string{"Mañana nos vemos", "col·lectiu", "نلتقي غدا", "", "\xff\xfe", "ß ß ß"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lang, sure := Detect(text)
		if _, known := commonWords[lang]; sure && !known && lang != "ar" {
			t.Fatalf("Detect(%q) = %q, a language it does not know", text, lang)
		}
	})
}
