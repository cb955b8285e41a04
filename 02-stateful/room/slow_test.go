package room

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A client that never reads must not hold up anyone else, and must be
// dropped: when its queue overflows, or when a write to it stalls past the
// write deadline, whichever comes first.
//
// Before the queue can overflow, the write pump has to be stuck, and before
// that the kernel's socket buffers fill up: several megabytes on loopback.
// So the test sends large messages until the queue starts to grow (the write
// pump is stuck), then small ones to fill the queue. The sender never runs
// more than window messages ahead of what a reading client has received,
// which also shows that the stuck client holds nobody up.
func TestClientThatNeverReads(t *testing.T) {
	const (
		// window is how far the sender may run ahead of the reader: enough
		// to keep the room busy, far below a send queue.
		window = 16
		// maxRounds bounds the test: socket buffers of a few MB and a send
		// queue take a few hundred messages; far more means the room never
		// drops the non-reader.
		maxRounds = 3000
	)
	tr := newTestRoom(t)
	sender, reader := tr.connect(t), tr.connect(t)
	stuck, stuckID, err := tr.dial(nil) // nobody ever reads from stuck
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	sender.Expect(Connected(reader.id), Connected(stuckID))
	reader.Expect(Connected(stuckID))
	stuckQueue := tr.client(stuckID).send

	big := strings.Repeat("x", maxMessageSize-100)
	firstSmall := maxRounds + 1 // the first round that sends a small message
	payload := func(round int) string {
		if round < firstSmall {
			return fmt.Sprint(round, " ", big)
		}
		return fmt.Sprint(round)
	}
	heardLeave := false // whether the reader has been told the non-reader left
	receive := func(round int) {
		t.Helper()
		for m := reader.Next(); m.Payload != payload(round); m = reader.Next() {
			if m != Disconnected(stuckID) || heardLeave {
				t.Fatalf("the reader received %.40q, want message %d", m.Payload, round)
			}
			heardLeave = true
		}
	}
	dropped := func() bool {
		_, tooSlow := tr.logged(fmt.Sprintf("Client %d is too slow", stuckID))
		_, gone := tr.logged(fmt.Sprintf("Client %d disconnected", stuckID))
		return tooSlow || gone
	}

	sent := 0
	for ; !dropped(); sent++ {
		if sent == maxRounds {
			t.Fatalf("the non-reader was not dropped after %d messages", sent)
		}
		if firstSmall > maxRounds && len(stuckQueue) > window {
			firstSmall = sent + 1
		}
		sender.send(payload(sent + 1))
		if sent >= window {
			receive(sent + 1 - window)
		}
	}
	t.Logf("the non-reader was dropped after %d messages, %d MB", sent, min(firstSmall-1, sent)*len(big)>>20)
	for round := max(sent+1-window, 1); round <= sent; round++ {
		receive(round)
	}

	// Everyone else hears that it left, and carries on.
	sender.Expect(Disconnected(stuckID))
	if !heardLeave {
		reader.Expect(Disconnected(stuckID))
	}
	sender.send("still here")
	reader.Expect(broadcastOf("still here"))

	// The room has ended the non-reader's connection: reading it now yields
	// what was buffered, then the end (a close frame if the write pump was
	// between two messages when it gave up, usually a cut-off stream).
	_ = stuck.SetReadDeadline(time.Now().Add(waitLimit))
	for {
		_, _, err = stuck.ReadMessage()
		if err != nil {
			break
		}
	}
	t.Logf("the non-reader's connection ended with: %v", err)
	var closeErr *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		t.Fatalf("the non-reader's connection is still open %s after it was dropped", waitLimit)
	case errors.As(err, &closeErr) && closeErr.Code != CloseTooSlow && closeErr.Code != websocket.CloseAbnormalClosure:
		t.Fatalf("the non-reader got close code %d, want %d", closeErr.Code, CloseTooSlow)
	}
}
