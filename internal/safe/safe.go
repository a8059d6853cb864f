// Package safe contains panics where work runs unattended: a goroutine's
// loop step or an event handler that panics is logged with its stack and
// counted, and the work goes on with the next item. It must stay tiny and
// import nothing of Starling but the monitor.
package safe

import (
	"runtime/debug"

	"github.com/rs/zerolog"

	"starling/monitor"
)

// Run calls fn, and recovers and reports a panic in it as the work named
// what. It tells whether fn panicked.
func Run(log *zerolog.Logger, what string, fn func()) (panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			monitor.Panicked(what)
			log.Error().Str("work", what).Interface("panic", p).Bytes("stack", debug.Stack()).Msg("Recovered from a panic")
		}
	}()
	fn()
	return false
}
