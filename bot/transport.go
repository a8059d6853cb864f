package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"go.mau.fi/util/retryafter"

	"starling/monitor"
)

// Timeouts of one request to the homeserver. A frozen homeserver accepts
// connections and never answers; without a bound, the request that caught
// it would hold up its room's queue until the process restarts. The sync
// long poll asks the server to answer within 30 s, so its headers are due
// well inside responseTimeout.
const (
	dialTimeout     = 10 * time.Second
	responseTimeout = 60 * time.Second
	requestTimeout  = 3 * time.Minute
)

// newHTTPClient is the client for every request to the homeserver; it
// gives up on one that has no answer within answerWithin.
func newHTTPClient(log zerolog.Logger, answerWithin time.Duration) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DialContext = (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext
	base.TLSHandshakeTimeout = dialTimeout
	base.ResponseHeaderTimeout = answerWithin
	return &http.Client{
		Timeout:   requestTimeout,
		Transport: &rateLimited{next: base, log: log, maxTries: 8, maxWait: time.Minute, firstWait: time.Second, sleep: sleepCtx},
	}
}

// rateLimited honours a homeserver's rate limit on each request: on 429 it
// waits as long as the server asks — retry_after_ms in the Matrix error,
// else the Retry-After header, else a doubling pause — and sends the same
// request again. Waiting in the request that was refused keeps a room's
// copies in order and the bot's request rate at what the server allows.
type rateLimited struct {
	next      http.RoundTripper
	log       zerolog.Logger
	maxTries  int
	maxWait   time.Duration
	firstWait time.Duration
	sleep     func(*http.Request, time.Duration) error
}

func (t *rateLimited) RoundTrip(req *http.Request) (*http.Response, error) {
	wait := t.firstWait
	for try := 1; ; try++ {
		res, err := t.next.RoundTrip(req)
		if err != nil || res.StatusCode != http.StatusTooManyRequests || try == t.maxTries || (req.Body != nil && req.GetBody == nil) {
			return res, err
		}
		asked, body := retryAfter(res, wait)
		monitor.RateLimited()
		pause := min(asked, t.maxWait)
		t.log.Debug().Str("method", req.Method).Str("path", req.URL.Path).Dur("wait", pause).Int("try", try).Msg("Rate limited by the homeserver, waiting")
		if req.GetBody != nil {
			fresh, err := req.GetBody()
			if err != nil {
				res.Body = io.NopCloser(bytes.NewReader(body))
				return res, nil
			}
			req = req.Clone(req.Context())
			req.Body = fresh
		}
		if err = t.sleep(req, pause); err != nil {
			return nil, err
		}
		wait = min(wait*2, t.maxWait)
	}
}

// retryAfter reads how long a 429 response asks the client to wait, and
// consumes the response.
func retryAfter(res *http.Response, fallback time.Duration) (time.Duration, []byte) {
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	var matrixErr struct {
		RetryAfterMS int64 `json:"retry_after_ms"`
	}
	if json.Unmarshal(body, &matrixErr) == nil && matrixErr.RetryAfterMS > 0 {
		return time.Duration(matrixErr.RetryAfterMS) * time.Millisecond, body
	}
	if d := retryafter.Parse(res.Header.Get("Retry-After"), fallback); d > 0 {
		return d, body
	}
	return fallback, body
}

func sleepCtx(req *http.Request, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-req.Context().Done():
		return req.Context().Err()
	case <-t.C:
		return nil
	}
}
