package relay

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"maunium.net/go/mautrix/id"
)

// JoinCode is a one-time code that lets one more room join a coalition.
type JoinCode struct {
	Code    string
	Expires time.Time
}

// NewCode issues another join code for the room's coalition.
func (c *Coalitions) NewCode(ctx context.Context, roomID id.RoomID, by id.UserID) (*JoinCode, error) {
	member, err := c.rooms.Membership(ctx, roomID)
	if err != nil {
		return nil, err
	} else if member == nil {
		return nil, ErrNotLinked
	}
	return c.newCode(ctx, member.CoalitionID, by)
}

func (c *Coalitions) newCode(ctx context.Context, coalitionID string, by id.UserID) (*JoinCode, error) {
	code := &JoinCode{Code: randomCode(), Expires: c.now().Add(CodeLifetime)}
	if err := c.db.JoinCode.Insert(ctx, hashCode(code.Code), coalitionID, by, code.Expires); err != nil {
		return nil, err
	}
	return code, nil
}

// codeAlphabet leaves out letters and digits people confuse (0/O, 1/I/L).
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// randomCode is 12 characters (about 59 bits) in groups of four.
func randomCode() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	var out strings.Builder
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(codeAlphabet[int(v)%len(codeAlphabet)])
	}
	return out.String()
}

// NormalizeCode forgives case, spaces and dashes in a typed code.
func NormalizeCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(code) {
		if strings.ContainsRune(codeAlphabet, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hashCode(code string) string {
	sum := sha256.Sum256([]byte("starling join code\x00" + NormalizeCode(code)))
	return hex.EncodeToString(sum[:])
}
