package ledger

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/id"

	"starling/rooms"
)

var msgChartLegend = &i18n.Message{ID: "LedgerChartLegend",
	Description: "Sent with the ledger chart. Period like 2026-Q4; Rooms is a numbered list of room names matching the numbers under the bars. 🟦 and 🟧 are the bars' colours.",
	Other:       "Contributions given 🟦 and received 🟧 per room, {{.Period}}:\n\n{{.Rooms}}"}

// The chart's colours: given, received, and the axis and numbers.
var (
	GivenColor    = color.RGBA{0x1f, 0x77, 0xb4, 0xff}
	ReceivedColor = color.RGBA{0xff, 0x7f, 0x0e, 0xff}
	inkColor      = color.RGBA{0x33, 0x33, 0x33, 0xff}
)

// Geometry is where the chart draws: a pair of bars per room, numbered
// below as in the legend, heights in proportion to the counts, the
// largest reaching PlotHeight above Baseline.
type Geometry struct {
	Width, Height, Baseline, PlotHeight int
}

const (
	barWidth   = 24
	pairGap    = 4
	groupGap   = 28
	marginX    = 24
	marginTop  = 16
	plotHeight = 200
	labelSpace = 28
	digitScale = 3
)

// ChartGeometry is the layout of a chart of n rooms.
func ChartGeometry(n int) Geometry {
	width := 2*marginX + n*(2*barWidth+pairGap) + max(n-1, 0)*groupGap
	return Geometry{Width: max(width, 120), Height: marginTop + plotHeight + labelSpace, Baseline: marginTop + plotHeight, PlotHeight: plotHeight}
}

// BarCenter is the x of the middle of room i's bar (0-based), given or
// received.
func (g Geometry) BarCenter(i int, received bool) int {
	x := marginX + i*(2*barWidth+pairGap+groupGap)
	if received {
		x += barWidth + pairGap
	}
	return x + barWidth/2
}

// BarHeight is the height of a bar of count, with most the largest count.
func BarHeight(count, most int) int {
	if most == 0 || count == 0 {
		return 0
	}
	return max(1, (count*plotHeight+most/2)/most)
}

// DrawChart draws given vs received counts, room by room, as a PNG.
func DrawChart(given, received []int) ([]byte, error) {
	g := ChartGeometry(len(given))
	img := image.NewRGBA(image.Rect(0, 0, g.Width, g.Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	most := 0
	for i := range given {
		most = max(most, given[i], received[i])
	}
	bar := func(i int, recv bool, count int, c color.Color) {
		h := BarHeight(count, most)
		x := g.BarCenter(i, recv) - barWidth/2
		draw.Draw(img, image.Rect(x, g.Baseline-h, x+barWidth, g.Baseline), image.NewUniform(c), image.Point{}, draw.Src)
	}
	for i := range given {
		bar(i, false, given[i], GivenColor)
		bar(i, true, received[i], ReceivedColor)
		label := fmt.Sprint(i + 1)
		width := len(label)*4*digitScale - digitScale
		x := (g.BarCenter(i, false)+g.BarCenter(i, true))/2 - width/2
		drawDigits(img, label, x, g.Baseline+8)
	}
	draw.Draw(img, image.Rect(marginX/2, g.Baseline, g.Width-marginX/2, g.Baseline+2), image.NewUniform(inkColor), image.Point{}, draw.Src)
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("failed to encode chart: %w", err)
	}
	return out.Bytes(), nil
}

// digits are 3×5 pixel glyphs for the room numbers, row by row.
var digits = [10][5]string{
	{"###", "#.#", "#.#", "#.#", "###"}, {".#.", "##.", ".#.", ".#.", "###"}, {"###", "..#", "###", "#..", "###"},
	{"###", "..#", "###", "..#", "###"}, {"#.#", "#.#", "###", "..#", "..#"}, {"###", "#..", "###", "..#", "###"},
	{"###", "#..", "###", "#.#", "###"}, {"###", "..#", "..#", "..#", "..#"}, {"###", "#.#", "###", "#.#", "###"},
	{"###", "#.#", "###", "..#", "###"},
}

func drawDigits(img *image.RGBA, s string, x, y int) {
	for _, r := range s {
		glyph := digits[r-'0']
		for row, line := range glyph {
			for col, px := range line {
				if px == '#' {
					x0, y0 := x+col*digitScale, y+row*digitScale
					draw.Draw(img, image.Rect(x0, y0, x0+digitScale, y0+digitScale), image.NewUniform(inkColor), image.Point{}, draw.Src)
				}
			}
		}
		x += 4 * digitScale
	}
}

// Chart is the period's chart of contributions given and received per
// room of room's coalition, as a PNG, its legend in lang, and where its
// counts came from.
func (s *Service) Chart(ctx context.Context, room id.RoomID, lang string, p Period) ([]byte, string, rooms.Origin, error) {
	entries, pl, err := s.Entries(ctx, room, p)
	if err != nil {
		return nil, "", rooms.Bot, err
	}
	tallies, _ := Totals(entries, pl.rooms)
	given, received := make([]int, len(tallies)), make([]int, len(tallies))
	var names []string
	for i, t := range tallies {
		given[i], received[i] = t.Given.Count, t.Receive.Count
		names = append(names, fmt.Sprintf("%d. %s (🟦 %d · 🟧 %d)", i+1, bold(s.mx.RoomName(ctx, t.Room)), given[i], received[i]))
	}
	data, err := DrawChart(given, received)
	if err != nil {
		return nil, "", rooms.Bot, err
	}
	return data, s.l10n.Text(lang, msgChartLegend, map[string]any{"Period": p.String(), "Rooms": strings.Join(names, "\n")}), originOf(entries), nil
}

// SendChart posts the chart into room, in reply to the request: a file,
// encrypted in encrypted rooms.
func (s *Service) SendChart(ctx context.Context, room id.RoomID, replyTo id.EventID, p Period, data []byte, from rooms.Origin) error {
	return s.mx.SendFile(ctx, room, replyTo, data, fmt.Sprintf("ledger-%s.png", p), "image/png", from)
}

// MeasureBar reads room i's bar back from a chart: the run of the bar's
// colour upwards from the baseline at its centre. A chart reads as what it
// was drawn from; the tests hold it to that.
func MeasureBar(img image.Image, g Geometry, i int, received bool) int {
	want := GivenColor
	if received {
		want = ReceivedColor
	}
	x, h := g.BarCenter(i, received), 0
	for y := g.Baseline - 1; y >= 0; y-- {
		if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) != want {
			break
		}
		h++
	}
	return h
}
