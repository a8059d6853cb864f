package testenv

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
	"maunium.net/go/mautrix/synapseadmin"
)

// Register creates an account through shared-secret registration.
func (d *Dendrite) Register(ctx context.Context, localpart, password string) (*mautrix.RespRegister, error) {
	cli, err := mautrix.NewClient(d.URL, "", "")
	if err != nil {
		return nil, err
	}
	admin := synapseadmin.Client{Client: cli}
	resp, err := admin.SharedSecretRegister(ctx, d.SharedSecret, synapseadmin.ReqSharedSecretRegister{
		Username: localpart, Password: password,
	})
	if err != nil {
		return nil, fmt.Errorf("failed to register %s: %w", localpart, err)
	}
	return resp, nil
}

// UserID is the full id of a local user.
func UserID(localpart string) id.UserID {
	return id.NewUserID(localpart, ServerName)
}

// Client is a test user with its own device and end-to-end encryption,
// syncing in the background and remembering every event it saw.
type Client struct {
	*mautrix.Client
	t       testing.TB
	mu      sync.Mutex
	events  []*event.Event
	arrival map[id.EventID]time.Time
}

// NewClient registers localpart and starts its encrypted client, on a
// device its owner has cross-signed, as Element does when an account is made.
func (d *Dendrite) NewClient(t testing.TB, localpart string) *Client {
	t.Helper()
	ctx := context.Background()
	password := "password-" + localpart
	resp, err := d.Register(ctx, localpart, password)
	if err != nil {
		t.Fatal(err)
	}
	c := d.startClient(t, resp.UserID, resp.AccessToken, resp.DeviceID)
	c.crossSign(password)
	return c
}

// crossSign publishes the user's cross-signing keys and signs this device
// with them, before anyone shares a room with the user, so others see the
// device as cross-signed from the first time they fetch its keys.
func (c *Client) crossSign(password string) {
	c.t.Helper()
	ctx := context.Background()
	mach := c.Crypto.(*cryptohelper.CryptoHelper).Machine()
	keys, err := mach.GenerateCrossSigningKeys()
	if err != nil {
		c.t.Fatalf("failed to generate cross-signing keys for %s: %v", c.UserID, err)
	}
	err = mach.PublishCrossSigningKeys(ctx, keys, func(ui *mautrix.RespUserInteractive) any {
		return &mautrix.ReqUIAuthLogin{
			BaseAuthData: mautrix.BaseAuthData{Type: mautrix.AuthTypePassword, Session: ui.Session},
			User:         c.UserID.String(), Password: password,
		}
	})
	if err != nil {
		c.t.Fatalf("failed to publish cross-signing keys for %s: %v", c.UserID, err)
	}
	if err = mach.SignOwnDevice(ctx, mach.OwnIdentity()); err != nil {
		c.t.Fatalf("failed to cross-sign the device of %s: %v", c.UserID, err)
	}
}

// NewDevice logs c's user in once more: a new device with its own keys,
// which its owner has not cross-signed (it does not hold the keys to).
func (d *Dendrite) NewDevice(t testing.TB, c *Client) *Client {
	t.Helper()
	cli, err := mautrix.NewClient(d.URL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Login(context.Background(), &mautrix.ReqLogin{
		Type:       mautrix.AuthTypePassword,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: c.UserID.Localpart()},
		Password:   "password-" + c.UserID.Localpart(),
	})
	if err != nil {
		t.Fatalf("failed to log in a second device for %s: %v", c.UserID, err)
	}
	return d.startClient(t, resp.UserID, resp.AccessToken, resp.DeviceID)
}

func (d *Dendrite) startClient(t testing.TB, userID id.UserID, token string, deviceID id.DeviceID) *Client {
	t.Helper()
	ctx := context.Background()
	cli, err := mautrix.NewClient(d.URL, userID, token)
	if err != nil {
		t.Fatal(err)
	}
	cli.DeviceID = deviceID
	c := &Client{Client: cli, t: t, arrival: make(map[id.EventID]time.Time)}
	helper, err := cryptohelper.NewCryptoHelper(cli, []byte("test pickle key"), filepath.Join(t.TempDir(), "client.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err = helper.Init(ctx); err != nil {
		t.Fatalf("failed to init crypto for %s: %v", userID, err)
	}
	cli.Crypto = helper
	cli.Syncer.(mautrix.ExtensibleSyncer).OnEvent(func(_ context.Context, evt *event.Event) {
		c.mu.Lock()
		c.events = append(c.events, evt)
		if evt.Type == event.EventMessage {
			c.arrival[evt.ID] = time.Now()
		}
		c.mu.Unlock()
	})
	syncCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// A sync loop that ends on an error would leave the user deaf for
		// the rest of the test: start it again, and say why.
		for syncCtx.Err() == nil {
			if err := cli.SyncWithContext(syncCtx); err != nil && syncCtx.Err() == nil {
				t.Logf("%s: sync stopped (%v); starting it again", userID, err)
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = helper.Close()
	})
	return c
}

// RoomOptions describe a room a test user creates.
type RoomOptions struct {
	Name      string
	Encrypted bool
	Direct    bool
	Invite    []id.UserID
}

// CreateRoom creates a room and waits until the client knows its state.
func (c *Client) CreateRoom(opts RoomOptions) id.RoomID {
	c.t.Helper()
	ctx := context.Background()
	req := &mautrix.ReqCreateRoom{Preset: "private_chat", Name: opts.Name, Invite: opts.Invite, IsDirect: opts.Direct}
	if opts.Encrypted {
		req.InitialState = []*event.Event{{
			Type:    event.StateEncryption,
			Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
		}}
	}
	resp, err := c.Client.CreateRoom(ctx, req)
	if err != nil {
		c.t.Fatalf("failed to create room: %v", err)
	}
	c.Eventually("room state to arrive", 20*time.Second, func() bool {
		if !c.StateStore.IsMembership(ctx, resp.RoomID, c.UserID, event.MembershipJoin) {
			return false
		}
		enc, _ := c.StateStore.IsEncrypted(ctx, resp.RoomID)
		return enc == opts.Encrypted
	})
	return resp.RoomID
}

// Eventually polls cond until it holds or fails the test after timeout.
func (c *Client) Eventually(what string, timeout time.Duration, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: timed out after %s waiting for %s", c.UserID, timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitForMembership waits until user's membership in room is m. Right
// after a room is made, Dendrite may not wake the creator's long poll for
// the next member event, so every couple of seconds the room's state is
// also asked of the homeserver.
func (c *Client) WaitForMembership(roomID id.RoomID, user id.UserID, m event.Membership, timeout time.Duration) {
	c.t.Helper()
	ctx := context.Background()
	polls := 0
	c.Eventually(fmt.Sprintf("%s to be %s in %s", user, m, roomID), timeout, func() bool {
		if c.StateStore.IsMembership(ctx, roomID, user, m) {
			return true
		}
		if polls++; polls%40 != 0 {
			return false
		}
		var member event.MemberEventContent
		if err := c.StateEvent(ctx, roomID, event.StateMember, user.String(), &member); err != nil || member.Membership != m {
			return false
		}
		_ = c.StateStore.SetMembership(ctx, roomID, user, m)
		return true
	})
}

// SetPowerLevel gives user the level in room.
func (c *Client) SetPowerLevel(roomID id.RoomID, user id.UserID, level int) {
	c.t.Helper()
	ctx := context.Background()
	var pl event.PowerLevelsEventContent
	if err := c.StateEvent(ctx, roomID, event.StatePowerLevels, "", &pl); err != nil {
		c.t.Fatalf("failed to get power levels: %v", err)
	}
	pl.SetUserLevel(user, level)
	if _, err := c.SendStateEvent(ctx, roomID, event.StatePowerLevels, "", &pl); err != nil {
		c.t.Fatalf("failed to set power levels: %v", err)
	}
}

// WaitForMemberEvent waits for a membership event of user in room.
func (c *Client) WaitForMemberEvent(roomID id.RoomID, user id.UserID, m event.Membership, timeout time.Duration) *event.Event {
	c.t.Helper()
	var found *event.Event
	c.Eventually(fmt.Sprintf("%s to become %s in %s", user, m, roomID), timeout, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, evt := range c.events {
			if evt.RoomID == roomID && evt.Type == event.StateMember && evt.GetStateKey() == user.String() &&
				evt.Content.AsMember().Membership == m {
				found = evt
				return true
			}
		}
		return false
	})
	return found
}

// Join accepts an invite to room and waits until this client has synced the
// room's state, so its next message is encrypted for everyone in the room.
func (c *Client) Join(roomID id.RoomID, members ...id.UserID) {
	c.t.Helper()
	c.WaitForMemberEvent(roomID, c.UserID, event.MembershipInvite, 20*time.Second)
	if _, err := c.JoinRoomByID(context.Background(), roomID); err != nil {
		c.t.Fatalf("failed to join %s: %v", roomID, err)
	}
	c.WaitForMembership(roomID, c.UserID, event.MembershipJoin, 20*time.Second)
	for _, m := range members {
		c.WaitForMembership(roomID, m, event.MembershipJoin, 20*time.Second)
	}
}

// WaitForInvite waits for an invite from sender and returns its room; rooms
// in except are passed over.
func (c *Client) WaitForInvite(sender id.UserID, timeout time.Duration, except ...id.RoomID) id.RoomID {
	c.t.Helper()
	var room id.RoomID
	c.Eventually("an invite from "+sender.String(), timeout, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, evt := range c.events {
			if evt.Type == event.StateMember && evt.Sender == sender && evt.GetStateKey() == c.UserID.String() &&
				evt.Content.AsMember().Membership == event.MembershipInvite && !slices.Contains(except, evt.RoomID) {
				room = evt.RoomID
				return true
			}
		}
		return false
	})
	return room
}
