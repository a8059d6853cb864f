package monitor

import (
	"context"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// A command's round trip and a copy's latency, as people see them, are
// mostly the homeserver's: the sync that brings the event to the bot, the
// send, the reader's sync. What the bot itself adds is measured apart, from
// the moment it has the event to the moment it hands what it made of it to
// the homeserver, so that an operator (and the scale benchmark) can tell
// which of the two grew.

// The kinds of work measured.
const (
	// WorkAnswer is anything sent while handling an event of a sync
	// response: a command's answer, a welcome, a form's next question.
	WorkAnswer = "answer"
	// WorkCopy is a relayed copy, from its original's arrival in the queue.
	WorkCopy = "copy"
)

// handlingBuckets are fine at the bottom: the bot's share is milliseconds
// where the homeserver's is hundreds of them.
var handlingBuckets = []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5, 10, 30, 60}

var handlingSeconds = map[string]*metrics.PrometheusHistogram{
	WorkAnswer: metrics.NewPrometheusHistogramExt(`starling_handling_seconds{work="answer"}`, handlingBuckets),
	WorkCopy:   metrics.NewPrometheusHistogramExt(`starling_handling_seconds{work="copy"}`, handlingBuckets),
}

type heldKey struct{}

type held struct {
	work  string
	since time.Time
}

// Received marks ctx as work of one kind on an event the bot has had since
// at.
func Received(ctx context.Context, work string, at time.Time) context.Context {
	return context.WithValue(ctx, heldKey{}, held{work: work, since: at})
}

// Handing records, right before a send, how long the bot has held the
// event it sends for; sends for no event (schedules, pages) are not counted.
func Handing(ctx context.Context) {
	if h, ok := ctx.Value(heldKey{}).(held); ok {
		if hist := handlingSeconds[h.work]; hist != nil {
			hist.Update(time.Since(h.since).Seconds())
		}
	}
}
