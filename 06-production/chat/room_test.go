package chat

import (
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/06-production/metrics"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// A client that the room drops stops broadcasting at once, even with
// messages still waiting for the rate limit: they are read, to hear the
// goodbye, but never passed on.
func TestDroppedClientStopsBroadcasting(t *testing.T) {
	logs := progtest.NewLog(t)
	r := New(log.New(logs, "", 0), metrics.New(), Limits{MaxConns: 10, PingPeriod: time.Minute, Rate: 2}) // bursts of 4
	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.TakeSeat()
		conn, err := upgrader.Upgrade(w, req, nil)
		if err != nil {
			r.LeaveSeat()
			return
		}
		_ = r.Join(conn, req.URL.Query().Get("name"), "test")
	}))
	t.Cleanup(func() {
		r.Close(t.Context())
		srv.Close()
	})
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "?name="
	flooder := progtest.MustDial[room.Message](t, "flooder", url+"flooder")
	logs.WaitFor("^flooder connected")
	watcher := progtest.MustDial[room.Message](t, "watcher", url+"watcher")
	flooder.Expect(room.Message{Type: room.TypeConnected, Payload: "watcher connected"})

	for range 10 {
		flooder.Send(room.Message{Type: room.TypeBroadcast, Payload: "flood"})
	}
	for range 4 { // the burst
		watcher.Expect(room.Message{Type: room.TypeBroadcast, Payload: "flood"})
	}
	r.remove(r.clientNamed(t, "flooder"), room.CloseTooSlow, "dropped")
	watcher.Expect(room.Message{Type: room.TypeDisconnected, Payload: "flooder disconnected"})
}

// clientNamed returns the client in the room called name.
func (r *Room) clientNamed(t *testing.T, name string) *Client {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.clients {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no %s in the room", name)
	return nil
}
