package translate

import (
	"context"
	"net/http"
)

// LibreTranslate is a LibreTranslate server's HTTP API (POST /translate,
// GET /languages). It sees content from encrypted rooms only if trusted.
type LibreTranslate struct{ httpEngine }

// NewLibreTranslate talks to the server at baseURL.
func NewLibreTranslate(baseURL, apiKey string, trusted bool) *LibreTranslate {
	return &LibreTranslate{newHTTPEngine("libretranslate", baseURL, apiKey, trusted, 0)}
}

type ltLanguage struct {
	Code    string   `json:"code"`
	Targets []string `json:"targets"`
}

func (l *LibreTranslate) Pairs(ctx context.Context) ([]Pair, error) {
	return l.cachedPairs(ctx, func(ctx context.Context) ([]Pair, error) {
		var langs []ltLanguage
		err := l.do(ctx, func() (*http.Request, error) { return jsonRequest(http.MethodGet, l.url+"/languages", nil) }, &langs)
		if err != nil {
			return nil, err
		}
		var pairs []Pair
		for _, src := range langs {
			for _, dst := range src.Targets {
				if dst != src.Code {
					pairs = append(pairs, Pair{src.Code, dst})
				}
			}
		}
		return pairs, nil
	})
}

type ltRequest struct {
	Q      []string `json:"q"`
	Source string   `json:"source"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	APIKey string   `json:"api_key,omitempty"`
}

type ltResponse struct {
	TranslatedText []string `json:"translatedText"`
}

func (l *LibreTranslate) Translate(ctx context.Context, source, target string, docs []Doc) ([]Doc, error) {
	return translateMarkup(docs, func(texts []string) ([]string, error) {
		body := ltRequest{Q: texts, Source: source, Target: target, Format: "html", APIKey: l.apiKey}
		var resp ltResponse
		err := l.do(ctx, func() (*http.Request, error) { return jsonRequest(http.MethodPost, l.url+"/translate", body) }, &resp)
		return resp.TranslatedText, err
	})
}
