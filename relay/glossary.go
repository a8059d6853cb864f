package relay

import (
	"context"

	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
)

// Glossary returns the coalition's glossary for translation.
func (c *Coalitions) Glossary(ctx context.Context, coalitionID string) ([]*database.GlossaryTerm, error) {
	return c.db.Glossary.List(ctx, coalitionID)
}

// AddTerm adds or replaces a glossary term of the room's coalition. The
// change is told to every room: a glossary rewrites what everyone reads.
// shown is the term as the announcement should show it.
func (c *Coalitions) AddTerm(ctx context.Context, roomID id.RoomID, term *database.GlossaryTerm, by id.UserID, from rooms.Origin, shown string) error {
	coalitionID, err := c.CoalitionOf(ctx, roomID)
	if err != nil {
		return err
	} else if coalitionID == "" {
		return ErrNotLinked
	}
	term.Encrypted = from.Encrypted
	if err = c.db.Glossary.Put(ctx, coalitionID, term); err != nil {
		return err
	}
	c.announceFrom(ctx, coalitionID, roomID, from, msgGlossaryChanged, map[string]any{"Who": who(by),
		"Room": bold(c.mx.RoomName(ctx, roomID)), "Change": shown})
	return nil
}

// RemoveTerm removes a term; it reports whether there was one. Every other
// room is told.
func (c *Coalitions) RemoveTerm(ctx context.Context, roomID id.RoomID, term string, by id.UserID, from rooms.Origin, shown string) (bool, error) {
	coalitionID, err := c.CoalitionOf(ctx, roomID)
	if err != nil {
		return false, err
	} else if coalitionID == "" {
		return false, ErrNotLinked
	}
	removed, err := c.db.Glossary.Delete(ctx, coalitionID, term)
	if err != nil || !removed {
		return removed, err
	}
	c.announceFrom(ctx, coalitionID, roomID, from, msgGlossaryChanged, map[string]any{"Who": who(by),
		"Room": bold(c.mx.RoomName(ctx, roomID)), "Change": shown})
	return true, nil
}
