package rooms

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// Clients that ask for a long history (?since=0) and never read cost the
// server one event each, not the history: the replay is read from
// JetStream as it is written, not copied into the client's queue, which
// holds room:joined and the live events only (here the other readers'
// arrivals). (Copied, as this lesson first
// did, four such replays of 9 MB grew the heap by 24 MB. The heap itself is
// no good measure here: the test's NATS server, in the same process, holds
// megabytes of buffers for a few seconds while the replays run.)
func TestReplayIsNotBufferedForAClientThatDoesNotRead(t *testing.T) {
	const events, size, readers = 150, 60 << 10, 4
	ns := startJetStream(t)
	a := startInstance(t, ns, Limits{PerRoom: 10000, MaxAge: time.Hour, MaxMessage: size + 100})
	big := room.Message{Type: "broadcast", Payload: strings.Repeat("x", size)}
	for range events {
		if _, err := a.srv.history.Append("big", 0, big); err != nil {
			t.Fatal(err)
		}
	}
	for range readers {
		stalled(t, a.url+"/rooms/big?since=0")
	}
	progtest.WaitUntil(t, "every reader is a member", func() bool { return len(queues(a.srv, "big")) == readers })
	for _, queued := range queues(a.srv, "big") {
		if queued > readers { // room:joined, and the other readers' arrivals
			t.Errorf("a client that does not read has %d events queued, want at most %d", queued, readers)
		}
	}
}

// stalled opens a WebSocket that is never read, with a small receive
// buffer, so that the kernel takes little of what the server writes.
func stalled(t *testing.T, url string) {
	t.Helper()
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = conn.(*net.TCPConn).SetReadBuffer(4096)
		}
		return conn, err
	}, HandshakeTimeout: progtest.WaitLimit}
	conn, _, err := dialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
}

// queues returns how many events wait in the queue of each member of the
// room on s.
func queues(s *Server, name string) []int {
	s.mu.Lock()
	r := s.rooms[name]
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var lengths []int
	for _, c := range r.members {
		lengths = append(lengths, len(c.send))
	}
	return lengths
}
