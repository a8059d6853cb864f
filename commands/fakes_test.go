package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/relay"
	"starling/rooms"
)

// fakeRooms is the bot as commands see it: power levels, direct chats, and
// the replies and files captured.
type fakeRooms struct {
	*captured
	levels map[id.UserID]int
	// events and threads are the room's messages as the homeserver would
	// give them, decrypted: by id, and a thread's replies by its root.
	events  map[id.EventID]*event.Event
	threads map[id.EventID][]id.EventID
}

func (fakeRooms) BotUserID() id.UserID { return "@bot:test" }

func (f fakeRooms) FetchCurrent(_ context.Context, _ id.RoomID, eventID id.EventID) (*event.Event, error) {
	if evt, ok := f.events[eventID]; ok {
		return evt, nil
	}
	return nil, errors.New("M_NOT_FOUND")
}

func (f fakeRooms) Thread(ctx context.Context, roomID id.RoomID, root id.EventID, limit int) ([]*event.Event, bool, error) {
	if len(f.threads[root]) > limit {
		return nil, false, nil
	}
	thread := []*event.Event{}
	for _, eventID := range append([]id.EventID{root}, f.threads[root]...) {
		evt, err := f.FetchCurrent(ctx, roomID, eventID)
		if err != nil {
			return nil, false, err
		}
		thread = append(thread, evt)
	}
	return thread, true, nil
}

func (f fakeRooms) PowerLevel(_ context.Context, _ id.RoomID, u id.UserID) (int, error) {
	return f.levels[u], nil
}

func (f fakeRooms) OpenDM(context.Context, id.UserID) (id.RoomID, error) { return dm, nil }

// SendToPerson records what goes to a person's direct chat.
func (f fakeRooms) SendToPerson(_ context.Context, u id.UserID, _ id.RoomID, markdown string) (id.RoomID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dms = append(f.dms, markdown)
	return dm, nil
}

func (fakeRooms) RoomName(ctx context.Context, r id.RoomID) string {
	return fakeMatrix{}.RoomName(ctx, r)
}
func (fakeRooms) IsJoined(context.Context, id.RoomID, id.UserID) bool { return true }

// fakeMatrix answers the relay's questions about rooms; every room here is
// encrypted and named after its id.
type fakeMatrix struct{ relay.Matrix }

func (fakeMatrix) BotUserID() id.UserID { return "@bot:test" }
func (fakeMatrix) IsEncrypted(_ context.Context, r id.RoomID) (bool, error) {
	return r != "!plain:test", nil
}
func (fakeMatrix) RoomName(_ context.Context, r id.RoomID) string {
	return strings.TrimSuffix(strings.TrimPrefix(string(r), "!"), ":test")
}
func (fakeMatrix) SendOnce(context.Context, id.RoomID, *event.MessageEventContent, string, rooms.Origin) (id.EventID, error) {
	return "$posted", nil
}
func (fakeMatrix) Send(context.Context, id.RoomID, event.Type, any, string, rooms.Origin) (id.EventID, error) {
	return "$sent", nil
}

// Members: the direct chat holds the bot and user; every other room holds
// the bot, mod and user.
func (fakeMatrix) Members(_ context.Context, r id.RoomID) (joined, invited []id.UserID, err error) {
	if r == dm {
		return []id.UserID{"@bot:test", user}, nil, nil
	}
	return []id.UserID{"@bot:test", mod, user}, nil, nil
}
func (fakeMatrix) JoinRule(context.Context, id.RoomID) event.JoinRule { return "" }
func (fakeMatrix) DisplayName(_ context.Context, _ id.RoomID, u id.UserID) string {
	return u.Localpart()
}
func (fakeMatrix) JoinedMembers(context.Context, id.RoomID) ([]id.UserID, error) {
	return []id.UserID{mod, user}, nil
}
func (fakeMatrix) Pin(context.Context, id.RoomID, id.EventID) error { return nil }

type captured struct {
	mu      sync.Mutex
	replies []string
	dms     []string
}

func (c *captured) Reply(_ context.Context, _ *event.Event, markdown string, _ rooms.Origin) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.replies = append(c.replies, markdown)
	return nil
}

func (c *captured) SendFile(_ context.Context, roomID id.RoomID, _ id.EventID, data []byte, name, _ string, _ rooms.Origin) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	line := fmt.Sprintf("[file %s, %d bytes]", name, len(data))
	if roomID == dm {
		c.dms = append(c.dms, line)
	} else {
		c.replies = append(c.replies, line)
	}
	return nil
}

// takeDMs returns what went to direct chats since the last call.
func (c *captured) takeDMs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.dms
	c.dms = nil
	return out
}

func (c *captured) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.replies
	c.replies = nil
	return out
}

func (fakeMatrix) OpenDM(_ context.Context, u id.UserID) (id.RoomID, error) { return dm, nil }
func (fakeMatrix) SendMarkdown(context.Context, id.RoomID, string, rooms.Origin) (id.EventID, error) {
	return "$md", nil
}
func (fakeMatrix) SendToPerson(context.Context, id.UserID, id.RoomID, string) (id.RoomID, error) {
	return dm, nil
}
func (fakeMatrix) PowerLevel(_ context.Context, _ id.RoomID, u id.UserID) (int, error) {
	if u == mod {
		return 100, nil
	}
	return 0, nil
}
func (fakeMatrix) DirectChat(_ context.Context, r id.RoomID) (id.UserID, error) {
	if r == dm {
		return user, nil
	}
	return "", nil
}
func (fakeMatrix) CheckOrigin(context.Context, id.RoomID, rooms.Origin) error { return nil }
func (fakeMatrix) IsJoined(context.Context, id.RoomID, id.UserID) bool        { return true }
