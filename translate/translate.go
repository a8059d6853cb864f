// Package translate turns text from one language into another: engines
// (Apertium kept warm, LibreTranslate, DeepL), pivoting where an engine has
// no direct pair, a cache, and protection of what must never be translated
// (code, links, mentions, glossary terms).
//
// It knows nothing of rooms or Matrix: callers say whether content may go to
// an untrusted engine. It imports nothing of Starling's but monitor.
package translate

import (
	"context"
	"errors"
	"strings"
)

// Format tells how a text is written.
type Format int

const (
	Text Format = iota
	HTML
)

// Piece is a run of a document: text to translate, or something kept as is.
// In an HTML document a kept piece is raw HTML and a text piece is plain
// text that is escaped when the document is rendered.
type Piece struct {
	Text string
	Keep bool
}

// Doc is a text cut into what is translated and what is kept.
type Doc []Piece

// HasWords tells whether anything in the document is worth translating.
func (d Doc) HasWords() bool {
	for _, p := range d {
		if !p.Keep && strings.IndexFunc(p.Text, isLetter) >= 0 {
			return true
		}
	}
	return false
}

// Engine translates documents for the language pairs it has.
type Engine interface {
	// Name identifies the engine in the cache and in logs.
	Name() string
	// Trusted tells whether content from encrypted rooms may be sent to it.
	Trusted() bool
	// Pairs lists the source→target pairs the engine can translate directly.
	Pairs(ctx context.Context) ([]Pair, error)
	// Translate translates every document from source to target. Kept pieces
	// come back unchanged; the output has one document per input.
	Translate(ctx context.Context, source, target string, docs []Doc) ([]Doc, error)
}

// Pair is a direction an engine translates, as ISO 639-1 codes.
type Pair struct {
	Source, Target string
}

// ErrNoRoute means no engine (or chain of engines) connects two languages.
var ErrNoRoute = errors.New("no translation route between these languages")

// ErrUntrusted means the only route goes through an engine that may not see
// content from encrypted rooms.
var ErrUntrusted = errors.New("no engine trusted with encrypted content translates between these languages")
