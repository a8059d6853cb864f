// Package starling holds what must live at the repository root: the example
// configuration, embedded so that it is also the built-in default.
package starling

import _ "embed"

// ExampleConfig is config.example.yaml: the documented default configuration.
//
//go:embed config.example.yaml
var ExampleConfig []byte
