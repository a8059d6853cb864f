// Package scheduler runs Starling's check-ins and vigils across time zones:
// when each occurrence falls in every room's zone, posting it once, chasing
// the rooms that have not reported and summarising, RSVPs and reminders.
//
// It must not import the bot, the commands or mautrix's client: it talks to
// Matrix through its own Matrix interface (layers_test.go keeps the order).
package scheduler

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones must work on machines without zoneinfo files

	"starling/internal/fuzzy"
)

//go:generate go run ./internal/genzones

//go:embed zones.txt
var zonesTxt string

type zoneIndex struct {
	byFold map[string]string // lower-case name -> canonical spelling
	cities []string          // region/city names worth suggesting
}

var zones = sync.OnceValue(func() *zoneIndex {
	idx := &zoneIndex{byFold: make(map[string]string)}
	for _, name := range strings.Fields(zonesTxt) {
		idx.byFold[strings.ToLower(name)] = name
		region, _, found := strings.Cut(name, "/")
		if found && suggestRegions[region] {
			idx.cities = append(idx.cities, name)
		}
	}
	return idx
})

var suggestRegions = map[string]bool{
	"Africa": true, "America": true, "Antarctica": true, "Asia": true, "Atlantic": true,
	"Australia": true, "Europe": true, "Indian": true, "Pacific": true,
}

// LookupZone returns the IANA spelling of name (case and spaces forgiven) and
// its location, or false for a name that is not a zone.
func LookupZone(name string) (string, *time.Location, bool) {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "_"))
	canonical, ok := zones().byFold[key]
	if !ok {
		return "", nil, false
	}
	// Each loaded location holds its whole transition table: share one.
	if loc, ok := locations.Load(canonical); ok {
		return canonical, loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(canonical)
	if err != nil {
		return "", nil, false
	}
	actual, _ := locations.LoadOrStore(canonical, loc)
	return canonical, actual.(*time.Location), true
}

var locations sync.Map

// SuggestZones returns up to n zone names close to what was typed: the same
// city in any region first, then the nearest by edit distance.
func SuggestZones(name string, n int) []string {
	typed := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "_"))
	if len(typed) > 64 {
		typed = typed[:64]
	}
	_, typedCity, hasRegion := strings.Cut(typed, "/")
	if !hasRegion {
		typedCity = typed
	}
	type scored struct {
		name  string
		score int
	}
	var all []scored
	for _, z := range zones().cities {
		lz := strings.ToLower(z)
		city := lz[strings.LastIndex(lz, "/")+1:]
		score := min(fuzzy.Distance(typed, lz), fuzzy.Distance(typedCity, city)+1)
		if city == typedCity {
			score = 0
		}
		all = append(all, scored{z, score})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score < all[j].score
		}
		return all[i].name < all[j].name
	})
	out := make([]string, 0, n)
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.name)
	}
	return out
}
