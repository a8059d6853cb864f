package safe

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestRunContainsAPanic(t *testing.T) {
	var out bytes.Buffer
	log := zerolog.New(&out)
	ran := false
	if Run(&log, "step", func() { ran = true }) || !ran {
		t.Fatal("work that does not panic was not run, or counted as a panic")
	}
	if !Run(&log, "step", func() { panic("poison") }) {
		t.Fatal("a panic was not reported")
	}
	if s := out.String(); !strings.Contains(s, `"panic":"poison"`) || !strings.Contains(s, `"level":"error"`) || !strings.Contains(s, "safe_test.go") {
		t.Fatalf("the panic was not logged with its stack: %s", s)
	}
}
