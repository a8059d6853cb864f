package translate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/sync/singleflight"

	"starling/monitor"
)

// Translator picks an engine and a route for each translation, protects what
// must not be translated, and caches results.
type Translator struct {
	engines []Engine
	cache   *Cache
	// flight joins requests for a translation already being made: one
	// message copied into several rooms of one language at once is
	// translated once, not once per room before the cache has it.
	flight singleflight.Group
	pivots map[Pair][]string
	log    zerolog.Logger
}

// DefaultPivots prefers Catalan, then Spanish: measured on Debian's pairs,
// the Catalan route gives better fr→en, en→fr and en→pt.
var DefaultPivots = []string{"ca", "es"}

// TranslatorOption changes how a Translator is built.
type TranslatorOption func(*Translator)

// WithCache sets the cache (default: 10 000 entries, 16 MB).
func WithCache(c *Cache) TranslatorOption { return func(t *Translator) { t.cache = c } }

// WithPivot sets the pivot languages to try, in order, for one pair.
func WithPivot(source, target string, pivots ...string) TranslatorOption {
	return func(t *Translator) { t.pivots[Pair{source, target}] = pivots }
}

// WithTranslatorLogger logs engine failures (never texts).
func WithTranslatorLogger(log zerolog.Logger) TranslatorOption {
	return func(t *Translator) { t.log = log }
}

// NewTranslator uses the engines in order of preference.
func NewTranslator(engines []Engine, opts ...TranslatorOption) *Translator {
	t := &Translator{engines: engines, pivots: make(map[Pair][]string), log: zerolog.Nop()}
	for _, opt := range opts {
		opt(t)
	}
	if t.cache == nil {
		t.cache = NewCache(10_000, 16<<20)
	}
	return t
}

// Request is a batch of texts to translate.
type Request struct {
	Source, Target string
	Texts          []string
	Format         Format
	Glossary       Glossary
	// Encrypted content goes only to engines trusted with it.
	Encrypted bool
}

// Result is one translated text.
type Result struct {
	Text string
	// Translated is false when the text had nothing to translate.
	Translated bool
	Engine     string
	// Route lists the languages passed through, e.g. fr, es, en.
	Route []string
}

// Translate translates every text of the request, or fails as a whole.
func (t *Translator) Translate(ctx context.Context, req Request) ([]Result, error) {
	docs := make([]Doc, len(req.Texts))
	results := make([]Result, len(req.Texts))
	pending := false
	// Fixed forms apply only across languages: within one language a
	// glossary entry never rewrites what someone wrote ("no = en:yes").
	formsFor := req.Target
	if req.Source == req.Target {
		formsFor = ""
	}
	for i, text := range req.Texts {
		if req.Format == HTML {
			docs[i] = ParseHTML(text, req.Glossary, formsFor)
		} else {
			docs[i] = ParseText(text, req.Glossary, formsFor)
		}
		if req.Source == req.Target || !docs[i].HasWords() {
			// Nothing to translate; across languages, glossary forms still apply.
			results[i] = Result{Text: docs[i].Render(req.Format)}
			continue
		}
		pending = true
	}
	if !pending {
		return results, nil
	}
	var errs []error
	for _, eng := range t.engines {
		if req.Encrypted && !eng.Trusted() {
			continue
		}
		route, err := t.route(ctx, eng, req.Source, req.Target)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err = t.translateWith(ctx, eng, route, req, docs, results); err != nil {
			t.log.Warn().Err(err).Str("engine", eng.Name()).Msg("Translation engine failed, trying the next")
			errs = append(errs, err)
			continue
		}
		return results, nil
	}
	if len(errs) == 0 {
		if req.Encrypted {
			return nil, ErrUntrusted
		}
		return nil, ErrNoRoute
	}
	return nil, errors.Join(errs...)
}

func (t *Translator) translateWith(ctx context.Context, eng Engine, route []string, req Request, docs []Doc, results []Result) error {
	var todo []int
	var keys []string
	fp := glossaryFingerprint(req.Glossary)
	for i, doc := range docs {
		if req.Source == req.Target || !doc.HasWords() {
			continue
		}
		key := cacheKey(eng.Name(), route, req.Format, fp, req.Texts[i])
		if hit, ok := t.cache.Get(key); ok {
			results[i] = Result{Text: hit, Translated: true, Engine: eng.Name(), Route: route}
			continue
		}
		todo, keys = append(todo, i), append(keys, key)
	}
	if len(todo) == 0 {
		return nil
	}
	var texts []string
	var err error
	if len(todo) == 1 {
		var text string
		text, err = t.translateOnce(ctx, eng, route, req.Format, keys[0], docs[todo[0]])
		texts = []string{text}
	} else {
		batch := make([]Doc, len(todo))
		for j, i := range todo {
			batch[j] = docs[i]
		}
		texts, err = t.translateBatch(ctx, eng, route, req.Format, batch)
	}
	if err != nil {
		return err
	}
	for j, i := range todo {
		t.cache.Put(keys[j], texts[j])
		results[i] = Result{Text: texts[j], Translated: true, Engine: eng.Name(), Route: route}
	}
	return nil
}

// translateOnce translates one document, or waits for the same
// translation another request is making. If that one failed on its own
// context (its caller gone), this request makes its own; an engine that
// failed is not asked again by each request that waited (an outage would
// cost each of them the engine's timeout twice).
func (t *Translator) translateOnce(ctx context.Context, eng Engine, route []string, f Format, key string, doc Doc) (string, error) {
	made := false
	one := func() (any, error) {
		made = true
		texts, err := t.translateBatch(ctx, eng, route, f, []Doc{doc})
		if err != nil {
			return "", err
		}
		return texts[0], nil
	}
	v, err, _ := t.flight.Do(key, one)
	if err != nil && !made && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		v, err = one()
	}
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// translateBatch takes documents along the route, hop by hop, and renders them.
func (t *Translator) translateBatch(ctx context.Context, eng Engine, route []string, f Format, batch []Doc) ([]string, error) {
	for hop := 0; hop+1 < len(route); hop++ {
		start := time.Now()
		out, err := eng.Translate(ctx, route[hop], route[hop+1], batch)
		monitor.Translated(eng.Name(), time.Since(start), err)
		if err != nil {
			return nil, err
		}
		if len(out) != len(batch) {
			return nil, fmt.Errorf("engine %s returned %d texts for %d", eng.Name(), len(out), len(batch))
		}
		batch = out
	}
	texts := make([]string, len(batch))
	for i, d := range batch {
		texts[i] = d.Render(f)
	}
	return texts, nil
}

// route finds a direct pair, or a pivot the engine has both halves of.
func (t *Translator) route(ctx context.Context, eng Engine, source, target string) ([]string, error) {
	pairs, err := eng.Pairs(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to list %s pairs: %w", eng.Name(), err)
	}
	return PlanRoute(pairs, source, target, t.pivotsFor(source, target))
}

func (t *Translator) pivotsFor(source, target string) []string {
	if p, ok := t.pivots[Pair{source, target}]; ok {
		return p
	}
	return DefaultPivots
}

// PlanRoute returns [source, target] for a direct pair, else
// [source, pivot, target] with the first pivot that connects them.
func PlanRoute(pairs []Pair, source, target string, pivots []string) ([]string, error) {
	have := make(map[Pair]bool, len(pairs))
	for _, p := range pairs {
		have[p] = true
	}
	if have[Pair{source, target}] {
		return []string{source, target}, nil
	}
	for _, p := range pivots {
		if have[Pair{source, p}] && have[Pair{p, target}] {
			return []string{source, p, target}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s→%s", ErrNoRoute, source, target)
}

// Languages lists every language some engine reaches from or into.
func (t *Translator) Languages(ctx context.Context) []string {
	seen := map[string]bool{}
	for _, eng := range t.engines {
		pairs, err := eng.Pairs(ctx)
		if err != nil {
			continue
		}
		for _, p := range pairs {
			seen[p.Source], seen[p.Target] = true, true
		}
	}
	out := make([]string, 0, len(seen))
	for l := range seen {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

func cacheKey(engine string, route []string, f Format, glossary, text string) string {
	return fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%s", engine, strings.Join(route, ">"), f, glossary, text)
}

func glossaryFingerprint(g Glossary) string {
	if len(g) == 0 {
		return ""
	}
	h := sha256.New()
	for _, term := range g {
		h.Write([]byte(term.Term + "\x00"))
		keys := make([]string, 0, len(term.Forms))
		for k := range term.Forms {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			h.Write([]byte(k + "=" + term.Forms[k] + "\x00"))
		}
		h.Write([]byte{1})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
