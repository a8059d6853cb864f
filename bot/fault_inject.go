//go:build faultinject

package bot

// FaultTrigger is the message that makes a faultinject build panic in the
// middle of handling it, after it was claimed: the end-to-end tests show
// with it that a poison event costs only itself, also across a crash.
const FaultTrigger = "starling-test-panic"

func injectFault(body string) {
	if body == FaultTrigger {
		panic("fault injected for a test")
	}
}
