package rooms

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// Clients that ask for a long history (?since=0) and never read cost the
// server little memory: each replay is read from JetStream as it is
// written, not copied into the client's queue. Copied, the four replays
// below would hold about 9 MB each until written.
func TestReplayIsNotBufferedForAClientThatDoesNotRead(t *testing.T) {
	const events, size, readers = 150, 60 << 10, 4
	ns := startJetStream(t)
	a := startInstance(t, ns, generous)
	big := room.Message{Type: "broadcast", Payload: strings.Repeat("x", size)}
	for range events {
		if _, err := a.srv.history.Append("big", 0, big); err != nil {
			t.Fatal(err)
		}
	}

	before := heapInUse()
	for range readers {
		stalled(t, a.url+"/rooms/big?since=0")
	}
	progtest.WaitUntil(t, "every reader is a member", func() bool { return members(a.srv, "big") == readers })
	grew := heapInUse() - before
	t.Logf("heap grew by %.1f MB for %d readers of %.1f MB of history", float64(grew)/1e6, readers, float64(events*size)/1e6)
	if grew > events*size {
		t.Errorf("the heap grew by %.1f MB for %d clients that do not read, want under %.1f MB",
			float64(grew)/1e6, readers, float64(events*size)/1e6)
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

// members returns how many members the room has on s.
func members(s *Server, name string) int {
	s.mu.Lock()
	r := s.rooms[name]
	s.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.members)
}

// heapInUse returns the bytes of heap in use after a garbage collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

