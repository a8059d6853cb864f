// Package upgrades embeds the numbered SQL upgrades of Starling's own tables.
package upgrades

import (
	"embed"

	"go.mau.fi/util/dbutil"
)

//go:embed *.sql
var files embed.FS

// Table is the upgrade table built from the embedded files.
var Table = dbutil.BuildUpgradeTable().WithFS(files).Finish()
