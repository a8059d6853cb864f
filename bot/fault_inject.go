//go:build faultinject

package bot

import "time"

// FaultTrigger is the message that makes a faultinject build panic in the
// middle of handling it, after it was claimed: the end-to-end tests show
// with it that a poison event costs only itself, also across a crash.
// SlowTrigger makes it take SlowFor over the message, as a command stuck
// on a slow homeserver request would: the tests show that it holds up its
// own room only.
const (
	FaultTrigger = "starling-test-panic"
	SlowTrigger  = "starling-test-slow"
	SlowFor      = 10 * time.Second
)

func injectFault(body string) {
	switch body {
	case FaultTrigger:
		panic("fault injected for a test")
	case SlowTrigger:
		time.Sleep(SlowFor)
	}
}
