package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
	"starling/service"
	"starling/translations"
)

// Limits of a coalition.
const (
	MaxRooms     = 20
	CodeLifetime = 24 * time.Hour
	maxNameRunes = 80
)

// Errors the link commands explain to people.
var (
	ErrAlreadyLinked      = errors.New("room is already in a coalition")
	ErrNotLinked          = errors.New("room is in no coalition")
	ErrBadCode            = errors.New("join code is unknown, used or expired")
	ErrFull               = errors.New("coalition has the most rooms it may have")
	ErrEncryptionMismatch = errors.New("encrypted and unencrypted rooms cannot be linked")
	ErrBadName            = errors.New("coalition name is empty or too long")
	ErrDirectChat         = errors.New("a direct chat never joins a coalition")
	ErrNoSuchRoom         = errors.New("no such room in the coalition")
)

// Coalitions links rooms into coalitions. Every change of membership is
// told to every room of the coalition, naming who made it.
type Coalitions struct {
	db    *database.Database
	mx    Matrix
	rooms *rooms.Authority
	l10n  *translations.Localizer
	now   func() time.Time
}

// NewCoalitions manages coalitions in db.
func NewCoalitions(deps service.Deps, mx Matrix) *Coalitions {
	deps = deps.For("coalitions")
	return &Coalitions{db: deps.DB, mx: mx, rooms: deps.Rooms, l10n: deps.L10n, now: deps.Now}
}

// notDirect refuses a direct chat: it is private to one person and the bot.
func (c *Coalitions) notDirect(ctx context.Context, roomID id.RoomID) error {
	if person, err := c.rooms.DirectChat(ctx, roomID); err != nil {
		return err
	} else if person != "" {
		return ErrDirectChat
	}
	return nil
}

// Create starts a coalition with this room and returns its first join code.
func (c *Coalitions) Create(ctx context.Context, roomID id.RoomID, name string, by id.UserID) (*database.Coalition, *JoinCode, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || len([]rune(name)) > maxNameRunes {
		return nil, nil, ErrBadName
	}
	if err := c.notDirect(ctx, roomID); err != nil {
		return nil, nil, err
	}
	var coalition *database.Coalition
	var code *JoinCode
	err := c.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		if existing, err := c.rooms.Membership(ctx, roomID); err != nil {
			return err
		} else if existing != nil {
			return ErrAlreadyLinked
		}
		coalition = &database.Coalition{ID: randomID(), Name: name, CreatedBy: by, CreatedAt: c.now()}
		if err := c.db.Coalition.Insert(ctx, coalition); err != nil {
			return err
		}
		if err := c.rooms.AddToCoalition(ctx, roomID, coalition.ID, by, c.now()); err != nil {
			return err
		}
		var err error
		code, err = c.newCode(ctx, coalition.ID, by)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return coalition, code, nil
}

// Join adds the room to the coalition of a valid, unused join code; every
// other room of the coalition is told which room joined and who added it.
func (c *Coalitions) Join(ctx context.Context, roomID id.RoomID, code string, by id.UserID) (*database.Coalition, error) {
	if err := c.notDirect(ctx, roomID); err != nil {
		return nil, err
	}
	encrypted, err := c.rooms.IsEncrypted(ctx, roomID)
	if err != nil {
		return nil, err
	}
	var coalition *database.Coalition
	err = c.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		if existing, err := c.rooms.Membership(ctx, roomID); err != nil {
			return err
		} else if existing != nil {
			return ErrAlreadyLinked
		}
		coalitionID, err := c.db.JoinCode.Use(ctx, hashCode(code), roomID, c.now())
		if err != nil {
			return err
		} else if coalitionID == "" {
			return ErrBadCode
		}
		rooms, err := c.rooms.CoalitionRooms(ctx, coalitionID)
		if err != nil {
			return err
		}
		if len(rooms) >= MaxRooms {
			return ErrFull
		}
		for _, r := range rooms {
			other, err := c.rooms.IsEncrypted(ctx, r.RoomID)
			if err != nil {
				return err
			}
			if other != encrypted {
				return ErrEncryptionMismatch
			}
		}
		if err = c.rooms.AddToCoalition(ctx, roomID, coalitionID, by, c.now()); err != nil {
			return err
		}
		coalition, err = c.db.Coalition.Get(ctx, coalitionID)
		return err
	})
	if errors.Is(err, ErrAlreadyLinked) || errors.Is(err, ErrFull) || errors.Is(err, ErrEncryptionMismatch) {
		// Typed where it could not be used, the code has still been read
		// by everyone in that room: it works no more.
		if _, burnErr := c.db.JoinCode.Use(ctx, hashCode(code), roomID, c.now()); burnErr != nil {
			return nil, burnErr
		}
	}
	if err != nil {
		return nil, err
	}
	c.announce(ctx, coalition.ID, roomID, msgRoomJoined, map[string]any{"Room": bold(c.mx.RoomName(ctx, roomID)),
		"Name": bold(coalition.Name), "Who": who(by)})
	return coalition, nil
}

// Leave takes the room out of its coalition; the last room ends it. The
// rooms that stay are told.
func (c *Coalitions) Leave(ctx context.Context, roomID id.RoomID, by id.UserID) error {
	coalition, err := c.remove(ctx, roomID, false)
	if err != nil {
		return err
	}
	c.announce(ctx, coalition.ID, roomID, msgRoomLeft, map[string]any{"Room": bold(c.mx.RoomName(ctx, roomID)),
		"Name": bold(coalition.Name), "Who": who(by)})
	return nil
}

// Remove takes another room of the coalition out, on the word of a
// moderator of any of its rooms: the answer to a room that joined with a
// leaked code. Every room, the removed one too, is told who did it.
func (c *Coalitions) Remove(ctx context.Context, from id.RoomID, target id.RoomID, by id.UserID) (*database.Coalition, error) {
	mine, err := c.CoalitionOf(ctx, from)
	if err != nil {
		return nil, err
	} else if mine == "" {
		return nil, ErrNotLinked
	}
	if theirs, err := c.CoalitionOf(ctx, target); err != nil {
		return nil, err
	} else if theirs != mine {
		return nil, ErrNoSuchRoom
	}
	coalition, err := c.remove(ctx, target, true)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Room": bold(c.mx.RoomName(ctx, target)), "Name": bold(coalition.Name), "Who": who(by),
		"From": bold(c.mx.RoomName(ctx, from))}
	c.announce(ctx, coalition.ID, "", msgRoomRemoved, data)
	c.tell(ctx, target, msgRoomRemoved, data)
	return coalition, nil
}

// remove deletes the room's membership; the last room ends the coalition,
// and a responder room that goes takes the responder role with it (reports
// then wait for a new one). A responder room others took out still decides
// where the role goes next, so removing it never hands the role to the
// remover.
func (c *Coalitions) remove(ctx context.Context, roomID id.RoomID, byOthers bool) (*database.Coalition, error) {
	var coalition *database.Coalition
	err := c.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		member, err := c.rooms.Membership(ctx, roomID)
		if err != nil {
			return err
		} else if member == nil {
			return ErrNotLinked
		}
		if coalition, err = c.db.Coalition.Get(ctx, member.CoalitionID); err != nil {
			return err
		}
		if err = c.rooms.RemoveFromCoalition(ctx, roomID); err != nil {
			return err
		}
		if responder, _, err := c.db.Incident.ResponderRoom(ctx, member.CoalitionID); err != nil {
			return err
		} else if responder == roomID {
			former := id.RoomID("")
			if byOthers {
				former = roomID
			}
			if err = c.db.Incident.VacateResponderRoom(ctx, member.CoalitionID, former); err != nil {
				return err
			}
			if err = c.db.Incident.Reassign(ctx, member.CoalitionID, ""); err != nil {
				return err
			}
		}
		rest, err := c.rooms.CoalitionRooms(ctx, member.CoalitionID)
		if err != nil {
			return err
		}
		if len(rest) == 0 {
			return c.db.Coalition.Delete(ctx, member.CoalitionID)
		}
		return nil
	})
	return coalition, err
}

// FindRoom names a room of the room's coalition as people write it in
// `!link remove`: its number in `!link list`, its id, or its name.
func (c *Coalitions) FindRoom(ctx context.Context, roomID id.RoomID, ref string) (id.RoomID, error) {
	coalitionID, err := c.CoalitionOf(ctx, roomID)
	if err != nil {
		return "", err
	} else if coalitionID == "" {
		return "", ErrNotLinked
	}
	list, err := c.rooms.CoalitionRooms(ctx, coalitionID)
	if err != nil {
		return "", err
	}
	ref = strings.TrimSpace(ref)
	if n, err := strconv.Atoi(ref); err == nil && n >= 1 && n <= len(list) {
		return list[n-1].RoomID, nil
	}
	var named []id.RoomID
	for _, r := range list {
		if string(r.RoomID) == ref {
			return r.RoomID, nil
		}
		if strings.EqualFold(c.mx.RoomName(ctx, r.RoomID), ref) {
			named = append(named, r.RoomID)
		}
	}
	// Two rooms of one name (a look-alike, say): only the number or id tells.
	if len(named) != 1 {
		return "", ErrNoSuchRoom
	}
	return named[0], nil
}

// SetPaused stops or restarts relaying from the room.
func (c *Coalitions) SetPaused(ctx context.Context, roomID id.RoomID, paused bool) error {
	member, err := c.rooms.Membership(ctx, roomID)
	if err != nil {
		return err
	} else if member == nil {
		return ErrNotLinked
	}
	return c.rooms.SetPaused(ctx, roomID, paused)
}

// RoomInfo describes a coalition room for `!link list`.
type RoomInfo struct {
	RoomID    id.RoomID
	Name      string
	Language  string
	Timezone  string
	Paused    bool
	Encrypted bool
}

// List returns the room's coalition and its rooms.
func (c *Coalitions) List(ctx context.Context, roomID id.RoomID) (*database.Coalition, []RoomInfo, error) {
	member, err := c.rooms.Membership(ctx, roomID)
	if err != nil {
		return nil, nil, err
	} else if member == nil {
		return nil, nil, ErrNotLinked
	}
	coalition, err := c.db.Coalition.Get(ctx, member.CoalitionID)
	if err != nil {
		return nil, nil, err
	}
	rooms, err := c.rooms.CoalitionRooms(ctx, member.CoalitionID)
	if err != nil {
		return nil, nil, err
	}
	infos := make([]RoomInfo, 0, len(rooms))
	for _, r := range rooms {
		enc, err := c.rooms.IsEncrypted(ctx, r.RoomID)
		if err != nil {
			return nil, nil, err
		}
		lang, zone := c.rooms.Place(ctx, r.RoomID)
		infos = append(infos, RoomInfo{RoomID: r.RoomID, Name: c.mx.RoomName(ctx, r.RoomID), Language: lang,
			Timezone: zone, Paused: r.Paused, Encrypted: enc})
	}
	return coalition, infos, nil
}

// CoalitionOf returns the room's coalition id, or "".
func (c *Coalitions) CoalitionOf(ctx context.Context, roomID id.RoomID) (string, error) {
	return c.rooms.CoalitionOf(ctx, roomID)
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
