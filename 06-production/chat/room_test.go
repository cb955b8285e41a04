package chat

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// A client that the room drops stops broadcasting at once, even with
// messages still waiting for the rate limit: they are read, to hear the
// goodbye, but never passed on.
func TestDroppedClientStopsBroadcasting(t *testing.T) {
	tr := startRoom(t, Limits{MaxConns: 10, PingPeriod: time.Minute, Rate: 2}) // bursts of 4
	watcher := tr.dial(t, "watcher")
	tr.log.WaitFor("^watcher connected")
	flooder := tr.dial(t, "flooder")
	watcher.Expect(room.Message{Type: room.TypeConnected, Payload: "flooder connected"})

	for range 10 {
		flooder.Send(room.Message{Type: room.TypeBroadcast, Payload: "flood"})
	}
	for range 4 { // the burst
		watcher.Expect(room.Message{Type: room.TypeBroadcast, Payload: "flood"})
	}
	tr.remove(tr.clientNamed(t, "flooder"), room.CloseTooSlow, "dropped")
	watcher.Expect(room.Message{Type: room.TypeDisconnected, Payload: "flooder disconnected"})
}

// A client the room has removed cannot keep its connection, and its seat,
// by sending pongs nobody asked for and never reading the goodbye: once it
// is removed, pongs no longer put off the end.
func TestPongsDoNotKeepARemovedClient(t *testing.T) {
	tr := startRoom(t, Limits{MaxConns: 1, PingPeriod: time.Minute})
	conn := progtest.Connect(t, tr.url("mallory")) // never reads
	tr.log.WaitFor("^mallory connected")
	if err := conn.WriteMessage(websocket.TextMessage, []byte{0xff}); err != nil {
		t.Fatal(err) // not UTF-8: the room says goodbye with 1007
	}
	tr.log.WaitFor("^mallory sent text that is not UTF-8")

	progtest.SendPongs(t, conn, closeGrace/10)
	tr.log.WaitFor(`^mallory disconnected \(no answer to ping, or no reply to our close\)$`)
	// Its seat, the room's only one, is given back, and taken again.
	progtest.WaitUntil(t, "the seat given back", func() bool { return len(tr.seats) == 0 })
	tr.dial(t, "ada")
	tr.log.WaitFor("^ada connected")
}

// The reason a client gives when it closes is its own text: the log quotes
// it and cuts it short, so that it cannot write lines that look like the
// server's own.
func TestCloseReasonIsLoggedQuoted(t *testing.T) {
	tr := startRoom(t, Limits{MaxConns: 1, PingPeriod: time.Minute})
	mallory := tr.dial(t, "mallory")
	tr.log.WaitFor("^mallory connected")
	reason := "bye\nShutting down\x1b[2J" + strings.Repeat(".", 100)
	bye := websocket.FormatCloseMessage(4000, reason)
	if err := mallory.Conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	want := "mallory disconnected (close code 4000 " + room.ForLog(reason) + ")"
	tr.log.WaitFor("^" + regexp.QuoteMeta(want) + "$")
}
