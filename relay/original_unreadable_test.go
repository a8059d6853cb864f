package relay

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
)

// keylessMatrix cannot read any original: fetching one fails with err.
type keylessMatrix struct {
	*fakeMatrix
	err error
}

func (k keylessMatrix) FetchCurrent(context.Context, id.RoomID, id.EventID) (*event.Event, error) {
	return nil, k.err
}

func TestAnOriginalWhoseKeysNeverCameIsUnreadable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"no key ever arrived", fmt.Errorf("failed to decrypt event: %w", crypto.ErrNoSessionFound), ErrUnreadable},
		{"its holder withheld the key", fmt.Errorf("failed to decrypt event: %w", fmt.Errorf("%w (%s)", crypto.ErrGroupSessionWithheld, event.RoomKeyWithheldUnauthorized)), ErrUnreadable},
		{"the homeserver is away", errors.New("failed to fetch event: connection refused"), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newTestRelay(t, keylessMatrix{newFakeMatrix(), c.err})
			ctx := context.Background()
			if err := r.db.RelayCopy.Put(ctx, &database.Copy{SourceEvent: "$src", SourceRoom: "!es:x", TargetRoom: "!en:x", CopyEvent: "$copy", CopiedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			_, err := r.OriginalOf(ctx, "!en:x", "$copy")
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("OriginalOf gave %v, want %v", err, c.want)
			}
			if c.want == nil && (err == nil || errors.Is(err, ErrUnreadable)) {
				t.Fatalf("OriginalOf gave %v, want the homeserver's error", err)
			}
		})
	}
}
