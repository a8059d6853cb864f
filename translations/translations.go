// Package translations holds Starling's own words in every language it
// speaks: go-i18n message files, embedded, and the localizer that picks the
// reader's language.
package translations

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed active.*.toml
var files embed.FS

// Localizer renders messages in the language of whoever reads them.
type Localizer struct {
	bundle    *i18n.Bundle
	tags      []language.Tag
	matcher   language.Matcher
	mu        sync.Mutex
	localizer map[language.Tag]*i18n.Localizer
}

// New loads every embedded message file; English is the fallback.
func New() (*Localizer, error) {
	bundle := i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(files, "active.*.toml")
	if err != nil {
		return nil, fmt.Errorf("failed to list message files: %w", err)
	}
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", name, err)
		}
		if _, err = bundle.ParseMessageFileBytes(data, name); err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", name, err)
		}
	}
	tags := bundle.LanguageTags()
	// English first, so that the matcher falls back to it.
	sort.SliceStable(tags, func(i, j int) bool { return tags[i] == language.English && tags[j] != language.English })
	return &Localizer{
		bundle:    bundle,
		tags:      tags,
		matcher:   language.NewMatcher(tags),
		localizer: make(map[language.Tag]*i18n.Localizer),
	}, nil
}

// Languages lists the interface languages as ISO 639-1 codes, English first.
func (l *Localizer) Languages() []string {
	out := make([]string, len(l.tags))
	for i, t := range l.tags {
		base, _ := t.Base()
		out[i] = base.String()
	}
	return out
}

// Speaks tells whether lang is one of the interface languages.
func (l *Localizer) Speaks(lang string) bool {
	for _, have := range l.Languages() {
		if have == lang {
			return true
		}
	}
	return false
}

func (l *Localizer) forLanguage(lang string) *i18n.Localizer {
	tag, _ := language.Parse(lang)
	_, idx, _ := l.matcher.Match(tag)
	best := l.tags[idx]
	l.mu.Lock()
	defer l.mu.Unlock()
	loc, ok := l.localizer[best]
	if !ok {
		loc = i18n.NewLocalizer(l.bundle, best.String())
		l.localizer[best] = loc
	}
	return loc
}

// Text renders msg in lang (or the nearest language Starling speaks).
func (l *Localizer) Text(lang string, msg *i18n.Message, data map[string]any) string {
	return l.render(lang, &i18n.LocalizeConfig{DefaultMessage: msg, TemplateData: data})
}

// Plural renders msg in lang with the CLDR plural form for count; the data
// gets .Count as well.
func (l *Localizer) Plural(lang string, msg *i18n.Message, count int, data map[string]any) string {
	full := map[string]any{"Count": count}
	for k, v := range data {
		full[k] = v
	}
	return l.render(lang, &i18n.LocalizeConfig{DefaultMessage: msg, TemplateData: full, PluralCount: count})
}

func (l *Localizer) render(lang string, cfg *i18n.LocalizeConfig) string {
	out, err := l.forLanguage(lang).Localize(cfg)
	if err != nil && out == "" {
		// A broken translation must not silence the bot: fall back to English.
		out, _ = l.forLanguage("en").Localize(cfg)
	}
	return strings.TrimSpace(out)
}
