//go:build !faultinject

package bot

// injectFault does nothing outside test builds (see fault_inject.go).
func injectFault(string) {}
