package deflate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// Buffers as lesson 2's room has them. A compressed message whose
// compressed bytes do not fit in the write buffer goes out as several frames.
const bufferSize = 1024

// options says which ends offer permessage-deflate in the handshake; it is
// used only if both do.
type options struct {
	serverOffers bool // Upgrader.EnableCompression
	clientOffers bool // Dialer.EnableCompression
}

// pair is one WebSocket connection over loopback TCP, both of its ends in
// this process: the server's end, the client's end, and the meter on the
// server's socket.
type pair struct {
	server *websocket.Conn
	client *websocket.Conn
	wire   *meteredConn // counts what the server writes
}

// newPair connects a client to a new server and returns both ends.
func newPair(tb testing.TB, opts options) *pair {
	tb.Helper()
	return startServer(tb, opts.serverOffers).connect(tb, opts.clientOffers)
}

// server is an HTTP server that upgrades every request and hands over the
// server's end of the connection.
type server struct {
	url      string
	accepted chan *websocket.Conn
}

func startServer(tb testing.TB, offerCompression bool) *server {
	upgrader := websocket.Upgrader{
		ReadBufferSize:    bufferSize,
		WriteBufferSize:   bufferSize,
		EnableCompression: offerCompression,
	}
	s := &server{accepted: make(chan *websocket.Conn)}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the client's Dial reports it
		}
		s.accepted <- conn
	}))
	srv.Listener = meteredListener{srv.Listener}
	srv.Start()
	tb.Cleanup(srv.Close)
	s.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return s
}

// connect dials the server and returns both ends of the connection, with
// the meter set to zero after the handshake.
func (s *server) connect(tb testing.TB, offerCompression bool) *pair {
	tb.Helper()
	dialer := websocket.Dialer{
		ReadBufferSize:    bufferSize,
		WriteBufferSize:   bufferSize,
		EnableCompression: offerCompression,
	}
	client, _, err := dialer.Dial(s.url, nil)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { client.Close() })
	server := <-s.accepted
	tb.Cleanup(func() { server.Close() })

	wire := server.NetConn().(*meteredConn)
	wire.written.Store(0) // the handshake's response does not count
	return &pair{server: server, client: client, wire: wire}
}
