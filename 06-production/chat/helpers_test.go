package chat

import (
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/06-production/metrics"
	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// testRoom is a room behind a plain WebSocket server on a free port: the
// site's gate without TLS and sign-in, a client's name in the URL.
type testRoom struct {
	*Room
	log     *progtest.Log
	baseURL string
}

// startRoom starts a room with limits; it is closed when the test ends.
func startRoom(t *testing.T, limits Limits) *testRoom {
	t.Helper()
	logs := progtest.NewLog(t)
	r := New(log.New(logs, "", 0), metrics.New(), limits)
	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.TakeSeat() {
			http.Error(w, "full", http.StatusServiceUnavailable)
			return
		}
		conn, err := upgrader.Upgrade(w, req, nil)
		if err != nil {
			r.LeaveSeat()
			return
		}
		_ = r.Join(conn, req.URL.Query().Get("name"), "test")
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Close(ctx)
		srv.Close()
	})
	return &testRoom{Room: r, log: logs, baseURL: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

// url is the address a client called name connects to.
func (tr *testRoom) url(name string) string { return tr.baseURL + "/?name=" + name }

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
