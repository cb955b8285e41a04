package room

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"example.com/wstutorial/progtest"
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
	if n := tr.size(); n != 0 {
		t.Errorf("%d clients in the room after Close, want 0", n)
	}

	late := tr.connect(t)
	if late.id != 0 {
		t.Errorf("a client joined a closed room with id %d", late.id)
	}
	if code := late.CloseCode(); code != websocket.CloseTryAgainLater {
		t.Errorf("a client connecting after Close got close code %d, want %d", code, websocket.CloseTryAgainLater)
	}
}

// Clients that join while the room is closing are either in before Close
// (and get 1001) or turned away (1013). These clients read nothing until
// Close has returned, so none answers the goodbye: Close must end all the
// same, closeGrace after it, however a join and Close interleave.
func TestCloseWhileClientsJoin(t *testing.T) {
	const n = 50
	tr := newTestRoom(t)
	conns := make(chan *websocket.Conn, n)
	for range n {
		go func() {
			conn, _, err := tr.dial(nil)
			if err != nil {
				t.Error(err)
			}
			conns <- conn
		}()
	}
	progtest.WaitUntil(t, "some clients in", func() bool { return tr.size() >= n/4 })
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tr.Close(ctx)
	if ctx.Err() != nil {
		t.Fatalf("Close took longer than %s", waitLimit)
	}

	codes := make(map[int]int) // close code → clients that got it
	for i := range n {
		if conn := <-conns; conn != nil {
			codes[record(t, conn, i).CloseCode()]++
		}
	}
	joined := 0
	for _, line := range tr.log.Lines() {
		if strings.HasSuffix(line, " connected") {
			joined++
		}
	}
	want := map[int]int{websocket.CloseGoingAway: joined, websocket.CloseTryAgainLater: n - joined}
	maps.DeleteFunc(want, func(_, count int) bool { return count == 0 })
	if !maps.Equal(codes, want) {
		t.Errorf("close codes received (code: clients) %v, want %v", codes, want)
	}
	t.Logf("%d of %d clients joined before Close", joined, n)
}

// Once its clients are gone, however they went, the room has no goroutine
// left running.
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

	goleak.VerifyNone(t, before)
}

// Once the room has said goodbye, the client has closeGrace to answer. A
// client that never answers but sends pongs (which a peer may send
// unasked) cannot put that off: pongs keep a connection alive only while it
// is in the room.
func TestPongsDoNotPutOffTheGoodbye(t *testing.T) {
	tr := newTestRoom(t)
	conn, id, err := tr.dial(nil) // never reads, so never answers the goodbye
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.WriteMessage(websocket.TextMessage, []byte{0xff}); err != nil {
		t.Fatal(err) // not UTF-8: the room says goodbye with 1007
	}
	tr.waitForLog(fmt.Sprintf("Client %d sent text that is not UTF-8", id))

	progtest.SendPongs(t, conn, closeGrace/10)
	line := tr.waitForLog(fmt.Sprintf("Client %d disconnected", id))
	if !strings.HasSuffix(line, `i/o timeout"`) {
		t.Errorf("logged %q, want the read to have timed out", line)
	}
}
