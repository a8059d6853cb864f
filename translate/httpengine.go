package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.mau.fi/util/retryafter"
)

// ErrQuota means the engine's account has no translation quota left.
var ErrQuota = errors.New("translation quota exceeded")

// httpEngine holds what LibreTranslate and DeepL share: where the service
// is and the account's key, whether it may see content from encrypted
// rooms, a client with a timeout, retries on 429 and 5xx (honouring
// Retry-After), and a cache of the language pairs.
type httpEngine struct {
	name    string
	url     string
	apiKey  string
	trusted bool
	// quotaStatus is the status the service answers once the account's
	// quota is used up (0: none), which no retry helps.
	quotaStatus int
	client      *http.Client
	retries     int
	backoff     time.Duration

	pairsMu   sync.Mutex
	pairs     []Pair
	pairsTime time.Time
}

func newHTTPEngine(name, baseURL, apiKey string, trusted bool, quotaStatus int) httpEngine {
	return httpEngine{name: name, url: strings.TrimRight(baseURL, "/"), apiKey: apiKey, trusted: trusted, quotaStatus: quotaStatus,
		client: &http.Client{Timeout: 20 * time.Second}, retries: 3, backoff: 250 * time.Millisecond}
}

func (h *httpEngine) Name() string  { return h.name }
func (h *httpEngine) Trusted() bool { return h.trusted }

// statusError is an unexpected answer from an engine.
type statusError struct {
	Status int
	Body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("engine answered HTTP %d: %s", e.Status, e.Body)
}

// do sends the request built by mk (rebuilt for each attempt) and decodes a
// 200 answer as JSON into out.
func (h *httpEngine) do(ctx context.Context, mk func() (*http.Request, error), out any) error {
	var lastErr error
	for attempt := 0; attempt <= h.retries; attempt++ {
		req, err := mk()
		if err != nil {
			return err
		}
		resp, err := h.client.Do(req.WithContext(ctx))
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				return ctx.Err()
			}
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK:
				if err = json.Unmarshal(body, out); err != nil {
					return fmt.Errorf("failed to decode engine answer: %w", err)
				}
				return nil
			case h.quotaStatus != 0 && resp.StatusCode == h.quotaStatus:
				return ErrQuota
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
				lastErr = &statusError{resp.StatusCode, string(truncateBytes(body, 200))}
				if wait := retryAfter(resp.Header.Get("Retry-After")); wait > 0 && attempt < h.retries {
					if !sleepCtx(ctx, min(wait, 10*time.Second)) {
						return ctx.Err()
					}
					continue
				}
			default:
				return &statusError{resp.StatusCode, string(truncateBytes(body, 200))}
			}
		}
		if attempt < h.retries && !sleepCtx(ctx, h.backoff<<attempt) {
			return ctx.Err()
		}
	}
	return fmt.Errorf("engine failed after %d attempts: %w", h.retries+1, lastErr)
}

// cachedPairs refreshes the pair list at most hourly.
func (h *httpEngine) cachedPairs(ctx context.Context, fetch func(context.Context) ([]Pair, error)) ([]Pair, error) {
	h.pairsMu.Lock()
	defer h.pairsMu.Unlock()
	if h.pairs != nil && time.Since(h.pairsTime) < time.Hour {
		return h.pairs, nil
	}
	pairs, err := fetch(ctx)
	if err != nil {
		if h.pairs != nil {
			return h.pairs, nil
		}
		return nil, err
	}
	h.pairs, h.pairsTime = pairs, time.Now()
	return pairs, nil
}

func jsonRequest(method, url string, body any) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// retryAfter is how long a Retry-After header (seconds or an HTTP date)
// asks to wait; 0 when it asks nothing.
func retryAfter(v string) time.Duration {
	return max(retryafter.Parse(v, 0), 0)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func truncateBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// translateMarkup runs docs through an engine that takes a batch of markup
// strings and returns the same number of strings.
func translateMarkup(docs []Doc, call func(texts []string) ([]string, error)) ([]Doc, error) {
	out := make([]Doc, len(docs))
	var texts []string
	var idx []int
	for i, d := range docs {
		if !d.HasWords() {
			out[i] = d
			continue
		}
		texts = append(texts, encodeMarkup(d))
		idx = append(idx, i)
	}
	if len(texts) == 0 {
		return out, nil
	}
	translated, err := call(texts)
	if err != nil {
		return nil, err
	}
	if len(translated) != len(texts) {
		return nil, fmt.Errorf("engine returned %d texts for %d", len(translated), len(texts))
	}
	for j, i := range idx {
		if out[i], err = decodeMarkup(translated[j], docs[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
