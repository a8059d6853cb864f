package starling

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layers are Starling's packages from the bottom up. A package imports only
// from layers below its own (and within its layer only what sameLayer
// allows), so that no rule can be restated by a package that would have to
// import its owner: a domain package never imports the bot, the room
// authority no domain package, the foundation nothing of Starling's above.
var layers = [][]string{
	{"monitor", "translations", "database/upgrades", "internal/fuzzy", "internal/mxtext", "internal/shortid", "internal/txnid", "internal/pgtest", "internal/rotation", "deploy"},
	{"database", "internal/safe", "translate", "config"},
	{"rooms", "internal/dbtest", "internal/lanes"},
	{"service"},
	{"relay", "scheduler", "forms", "incidents", "ledger"},
	{"commands"},
	{"bot"},
	{"cmd/starling"},
}

// sameLayer are the imports within a layer: an incident intake is a form,
// and a duty rota hands over across zones as schedules do.
var sameLayer = map[string][]string{
	"incidents":     {"forms", "scheduler"},
	"ledger":        {"forms"},
	"internal/safe": {"monitor"},
}

// belowTheBot never import mautrix's client: each declares the small Matrix
// interface it consumes, and the bot satisfies it.
var belowTheBot = []string{"rooms", "service", "relay", "scheduler", "forms", "incidents", "ledger", "commands"}

func TestLayers(t *testing.T) {
	goolm := build.Default
	goolm.BuildTags = []string{"goolm"}
	rank := map[string]int{"": len(layers)} // the root package: the embedded files
	for i, layer := range layers {
		for _, p := range layer {
			rank[p] = i
		}
	}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || path == "internal/e2e" || strings.HasPrefix(path, "internal/testenv") ||
			strings.Contains(path, "/internal/") {
			if path != "." {
				return filepath.SkipDir
			}
		}
		pkg, err := goolm.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files here
		}
		name := filepath.ToSlash(path)
		if name == "." {
			name = ""
		}
		own, known := rank[name]
		if !known {
			t.Errorf("package %s is in no layer: add it to layers", name)
			return nil
		}
		for _, imp := range pkg.Imports {
			dep, ours := strings.CutPrefix(imp, "starling/")
			if imp == "starling" {
				dep, ours = "", true
			}
			if imp == "maunium.net/go/mautrix" && slices.Contains(belowTheBot, name) {
				t.Errorf("%s imports mautrix's client; declare what it needs in its Matrix interface", name)
			}
			if !ours {
				continue
			}
			if dep == "" && name != "config" && name != "cmd/starling" {
				t.Errorf("%s imports the root package; only config and cmd/starling read the embedded files", name)
				continue
			}
			if r := rank[dep]; dep != "" && (r > own || r == own && !slices.Contains(sameLayer[name], dep)) {
				t.Errorf("%s imports %s, which is not below it", name, dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
