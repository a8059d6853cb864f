// Package service holds what every Starling service is built from: the
// database, the room authority, the translator, the localizer, a logger and
// a clock. Each service adds its own settings and the small part of the
// Matrix connection it needs, as an interface of its own, so that a test
// can stand in for exactly that part.
//
// It must not import the bot or any service: they import it.
package service

import (
	"time"

	"github.com/rs/zerolog"

	"starling/database"
	"starling/rooms"
	"starling/translate"
	"starling/translations"
)

// Deps are the dependencies every service shares.
type Deps struct {
	DB         *database.Database
	Rooms      *rooms.Authority
	Translator *translate.Translator
	L10n       *translations.Localizer
	Log        zerolog.Logger
	// Now is the wall clock; a test may set its own.
	Now func() time.Time
}

// For is d for one component: its log lines name it, and a missing clock
// is the wall clock.
func (d Deps) For(component string) Deps {
	d.Log = d.Log.With().Str("component", component).Logger()
	if d.Now == nil {
		d.Now = time.Now
	}
	return d
}
