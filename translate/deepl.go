package translate

import (
	"context"
	"net/http"
	"strings"
)

// DeepL is DeepL's v2 HTTP API (POST /v2/translate, GET /v2/languages). Its
// 456 answer means the quota is used up and is not retried.
type DeepL struct{ httpEngine }

// NewDeepL talks to DeepL at baseURL with the account's key.
func NewDeepL(baseURL, apiKey string, trusted bool) *DeepL {
	return &DeepL{newHTTPEngine("deepl", baseURL, apiKey, trusted, deeplQuotaStatus)}
}

const deeplQuotaStatus = 456

// deeplTarget names the regional variant DeepL wants for target languages
// it has more than one of.
func deeplTarget(lang string) string {
	switch lang {
	case "en":
		return "EN-GB"
	case "pt":
		return "PT-PT"
	}
	return strings.ToUpper(lang)
}

func (d *DeepL) request(method, path string, body any) (*http.Request, error) {
	req, err := jsonRequest(method, d.url+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "DeepL-Auth-Key "+d.apiKey)
	return req, nil
}

type deeplLanguage struct {
	Language string `json:"language"`
}

func (d *DeepL) Pairs(ctx context.Context) ([]Pair, error) {
	return d.cachedPairs(ctx, func(ctx context.Context) ([]Pair, error) {
		var sources, targets []deeplLanguage
		for _, q := range []struct {
			typ string
			out *[]deeplLanguage
		}{{"source", &sources}, {"target", &targets}} {
			err := d.do(ctx, func() (*http.Request, error) { return d.request(http.MethodGet, "/v2/languages?type="+q.typ, nil) }, q.out)
			if err != nil {
				return nil, err
			}
		}
		seenTarget := map[string]bool{}
		for _, t := range targets {
			base, _, _ := strings.Cut(strings.ToLower(t.Language), "-")
			seenTarget[base] = true
		}
		var pairs []Pair
		for _, s := range sources {
			src := strings.ToLower(s.Language)
			for dst := range seenTarget {
				if dst != src {
					pairs = append(pairs, Pair{src, dst})
				}
			}
		}
		return pairs, nil
	})
}

type deeplRequest struct {
	Text        []string `json:"text"`
	SourceLang  string   `json:"source_lang"`
	TargetLang  string   `json:"target_lang"`
	TagHandling string   `json:"tag_handling"`
}

type deeplResponse struct {
	Translations []struct {
		Text string `json:"text"`
	} `json:"translations"`
}

func (d *DeepL) Translate(ctx context.Context, source, target string, docs []Doc) ([]Doc, error) {
	return translateMarkup(docs, func(texts []string) ([]string, error) {
		body := deeplRequest{Text: texts, SourceLang: strings.ToUpper(source), TargetLang: deeplTarget(target), TagHandling: "xml"}
		var resp deeplResponse
		if err := d.do(ctx, func() (*http.Request, error) { return d.request(http.MethodPost, "/v2/translate", body) }, &resp); err != nil {
			return nil, err
		}
		out := make([]string, len(resp.Translations))
		for i, t := range resp.Translations {
			out[i] = t.Text
		}
		return out, nil
	})
}
