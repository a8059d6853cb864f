package forms

import "unicode"

var unicodeMn = unicode.Mn
