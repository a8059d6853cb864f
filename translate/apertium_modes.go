package translate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/language"
)

// Apertium describes each installed pair in a .mode file: the shell pipeline
// of its stages. Starling reads them itself, to run each stage as its own
// process kept warm, rather than through a shell.

// findModes maps each plain "src-dst.mode" (no variants) to its file.
func findModes(dir string) (map[Pair]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.mode"))
	if err != nil {
		return nil, fmt.Errorf("failed to list Apertium modes: %w", err)
	}
	modes := make(map[Pair]string)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".mode")
		src, dst, ok := strings.Cut(name, "-")
		if !ok || strings.ContainsAny(dst, "-_") {
			continue
		}
		s, okS := isoCode(src)
		d, okD := isoCode(dst)
		if okS && okD && s != d {
			modes[Pair{s, d}] = f
		}
	}
	return modes, nil
}

// isoCode turns Apertium's codes ("spa", "es") into ISO 639-1 where one exists.
func isoCode(code string) (string, bool) {
	base, err := language.ParseBase(code)
	if err != nil {
		return "", false
	}
	return base.String(), true
}

// parseMode reads a .mode file into commands, each in null-flush mode.
// "$1" is the generator's option (-n: no unknown-word marks), "$2" the
// tagger's (none).
func parseMode(path string) ([][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read Apertium mode: %w", err)
	}
	var cmds [][]string
	for _, stage := range splitUnquoted(strings.TrimSpace(string(data)), '|') {
		args, err := shellFields(stage)
		if err != nil {
			return nil, fmt.Errorf("failed to parse Apertium mode %s: %w", filepath.Base(path), err)
		}
		var cmd []string
		for _, arg := range args {
			switch arg {
			case "$1":
				cmd = append(cmd, "-n")
			case "$2":
			default:
				cmd = append(cmd, arg)
			}
		}
		if len(cmd) == 0 {
			return nil, fmt.Errorf("empty stage in Apertium mode %s", filepath.Base(path))
		}
		cmds = append(cmds, append([]string{cmd[0], "-z"}, cmd[1:]...))
	}
	if len(cmds) == 0 {
		return nil, fmt.Errorf("no stages in Apertium mode %s", filepath.Base(path))
	}
	return cmds, nil
}

func splitUnquoted(s string, sep rune) []string {
	var parts []string
	var cur strings.Builder
	quote := rune(0)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == sep:
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(parts, cur.String())
}

func shellFields(s string) ([]string, error) {
	var fields []string
	var cur strings.Builder
	inField, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inField = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inField {
				fields = append(fields, cur.String())
				cur.Reset()
				inField = false
			}
		default:
			cur.WriteRune(r)
			inField = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inField {
		fields = append(fields, cur.String())
	}
	return fields, nil
}
