package fastroom

import (
	"fmt"
	"testing"
	"time"
)

// A client that sends as fast as it can is read no faster than the room's
// rate allows, after its first burst. It loses nothing, and every other
// client receives all its messages in order without falling behind.
func TestFastSenderIsReadAtTheRoomsRate(t *testing.T) {
	const (
		perSecond = 100
		burst     = 2 * perSecond // what SendRate allows at once
		messages  = burst + perSecond
		receivers = 20
	)
	tr := newTestRoom(t)
	tr.sendRate = perSecond
	sender := tr.connect(t)
	others := tr.connectMany(t, receivers)
	marker := tr.deliverMarker()
	sender.Until(marker)
	for _, c := range others {
		c.Until(marker)
	}

	start := time.Now()
	go func() {
		for i := range messages {
			sender.send(fmt.Sprint(i))
		}
	}()
	for _, c := range others {
		for i := range messages {
			c.Expect(broadcastOf(fmt.Sprint(i)))
		}
	}

	// The burst goes through at once; the rest takes a second at the rate.
	least := time.Duration(messages-burst) * time.Second / perSecond
	if elapsed := time.Since(start); elapsed < least*9/10 {
		t.Errorf("%d messages arrived in %v; at %d a second after a burst of %d they take at least %v",
			messages, elapsed, perSecond, burst, least)
	}
	if line, ok := tr.logged("too slow"); ok {
		t.Errorf("the room dropped a client: %s", line)
	}
}
