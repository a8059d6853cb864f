//go:build tools

// Package tools pins the Dendrite homeserver that Starling's tests and
// `make run` use. It is its own module so that Dendrite's dependencies stay
// out of Starling's.
package tools

import (
	_ "github.com/element-hq/dendrite/cmd/dendrite"
	_ "github.com/element-hq/dendrite/cmd/generate-config"
	_ "github.com/element-hq/dendrite/cmd/generate-keys"
)
