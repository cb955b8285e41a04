package fastroom

import (
	"context"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

// Close says goodbye to every client with 1001 (going away), waits for their
// goroutines, and turns newcomers away with 1013 (try again later).
func TestCloseSaysGoingAway(t *testing.T) {
	tr := newTestRoom(t)
	clients := []testClient{tr.connect(t), tr.connect(t), tr.connect(t)}

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tr.Close(ctx)
	if ctx.Err() != nil {
		t.Fatalf("Close took longer than %s", waitLimit)
	}
	for _, c := range clients {
		if code := c.CloseCode(); code != websocket.CloseGoingAway {
			t.Errorf("client %d got close code %d, want %d", c.id, code, websocket.CloseGoingAway)
		}
	}
	if n := tr.Len(); n != 0 {
		t.Errorf("Len() = %d after Close, want 0", n)
	}

	late := tr.connect(t)
	if late.id != 0 {
		t.Errorf("a client joined a closed room with id %d", late.id)
	}
	if code := late.CloseCode(); code != websocket.CloseTryAgainLater {
		t.Errorf("a client connecting after Close got close code %d, want %d", code, websocket.CloseTryAgainLater)
	}
}

// Once its clients are gone, however they went, the room has no goroutine
// left running for any of them.
func TestNoGoroutinesLeftBehind(t *testing.T) {
	tr := newTestRoom(t)
	before := goleak.IgnoreCurrent() // the HTTP server's own goroutines

	polite, crashed, oversized := tr.connect(t), tr.connect(t), tr.connect(t)
	stuck, stuckID, err := tr.dial(nil) // never reads; never says goodbye
	if err != nil {
		t.Fatal(err)
	}
	polite.send("Hello")
	crashed.Until(broadcastOf("Hello"))

	polite.Close()
	crashed.Drop()
	_, data := broadcastOfSize(maxMessageSize + 1)
	oversized.SendRaw(websocket.TextMessage, data)
	oversized.CloseCode()
	stuck.Close()
	for _, id := range []int{polite.id, crashed.id, oversized.id, stuckID} {
		tr.waitForLog(fmt.Sprintf("Client %d disconnected", id))
	}

	// The room's poller (poller_linux.go) and its writer pool (writers.go),
	// if it has them, serve every client and live as long as the room:
	// TestMain checks that Close ends them.
	goleak.VerifyNone(t, before,
		goleak.IgnoreAnyFunction("example.com/wstutorial/05-performance/fastroom.(*poller).read"),
		goleak.IgnoreAnyFunction("example.com/wstutorial/05-performance/fastroom.(*writerPool).work"))
}
