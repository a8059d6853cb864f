// Package txnid makes every transaction id the bot sends events with. A
// homeserver keeps one event per transaction id and device, so an id derived
// from what the event is about makes a send repeated after a crash or a
// retry the same send; the bot also records the derived ids it sees come
// back, so that SendOnce knows across a restart what already went out.
//
// It imports nothing of Starling's.
package txnid

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

const (
	stablePrefix = "starling-"
	uniquePrefix = "starling~"
)

// Stable derives the id of the event of this kind about these parts (an
// event id, a room, a number): the same arguments give the same id.
func Stable(kind string, parts ...string) string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return stablePrefix + kind + "-" + hex.EncodeToString(h.Sum(nil)[:12])
}

// Attempt is the id of a stable send's attempt after k failed ones. The
// first keeps the stable id, so that a repeat of the same attempt is still
// one send; a later one needs its own, because a homeserver stopped in the
// middle of a send can keep the id and lose the event.
func Attempt(stable string, k int) string {
	if k == 0 {
		return stable
	}
	return stable + "." + strconv.Itoa(k)
}

// Unique is an id never made before, for an event whose repeat does no harm
// and that is not recorded.
func Unique() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return uniquePrefix + hex.EncodeToString(b[:])
}

// IsStable tells whether txn was made by Stable or Attempt.
func IsStable(txn string) bool {
	return strings.HasPrefix(txn, stablePrefix)
}
