package ledger

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is a quarter of a year in one zone: the ledger's totals are per
// quarter, counted where the reader is.
type Period struct {
	Year    int
	Quarter int // 1–4
	Loc     *time.Location
}

// QuarterOf is the quarter t falls in, in loc.
func QuarterOf(t time.Time, loc *time.Location) Period {
	t = t.In(loc)
	return Period{Year: t.Year(), Quarter: (int(t.Month())-1)/3 + 1, Loc: loc}
}

// Bounds are the first instant of the quarter and of the next.
func (p Period) Bounds() (from, until time.Time) {
	from = time.Date(p.Year, time.Month(3*(p.Quarter-1)+1), 1, 0, 0, 0, 0, p.Loc)
	return from, from.AddDate(0, 3, 0)
}

// String is how the period is written and typed: "2026-Q4".
func (p Period) String() string { return fmt.Sprintf("%d-Q%d", p.Year, p.Quarter) }

var periodRE = regexp.MustCompile(`^(?:(\d{4})-?)?[qQtT]([1-4])(?:-?(\d{4}))?$`)

// ParsePeriod reads "2026-Q3", "2026Q3", "Q3" (this year, as seen at now)
// or "T3-2026" (trimestre, in the Romance languages), in loc.
func ParsePeriod(s string, now time.Time, loc *time.Location) (Period, bool) {
	m := periodRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || m[1] != "" && m[3] != "" {
		return Period{}, false
	}
	year := now.In(loc).Year()
	if y := m[1] + m[3]; y != "" {
		year, _ = strconv.Atoi(y)
	}
	q, _ := strconv.Atoi(m[2])
	if year < 2000 || year > 2200 {
		return Period{}, false
	}
	return Period{Year: year, Quarter: q, Loc: loc}, true
}
