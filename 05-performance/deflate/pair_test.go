package deflate

import (
	"context"
	"net"
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
// this process.
type pair struct {
	server       *websocket.Conn
	client       *websocket.Conn
	clientSocket *tappedConn // under the client's end
}

// newPair connects a client to a new server and returns both ends.
func newPair(tb testing.TB, opts options) *pair {
	tb.Helper()
	return startServer(tb, opts.serverOffers).connect(tb, opts.clientOffers)
}

// wsServer is an HTTP server that upgrades every request and hands over the
// server's end of the connection.
type wsServer struct {
	url      string
	accepted chan *websocket.Conn
}

func startServer(tb testing.TB, offerCompression bool) *wsServer {
	upgrader := websocket.Upgrader{
		ReadBufferSize:    bufferSize,
		WriteBufferSize:   bufferSize,
		EnableCompression: offerCompression,
	}
	s := &wsServer{accepted: make(chan *websocket.Conn)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return // the client's Dial reports it
		}
		s.accepted <- conn
	}))
	tb.Cleanup(srv.Close)
	s.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return s
}

// connect dials the server and returns both ends of the connection.
func (s *wsServer) connect(tb testing.TB, offerCompression bool) *pair {
	tb.Helper()
	dialer := websocket.Dialer{
		ReadBufferSize:    bufferSize,
		WriteBufferSize:   bufferSize,
		EnableCompression: offerCompression,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &tappedConn{Conn: conn}, nil
		},
	}
	client, _, err := dialer.Dial(s.url, nil)
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { client.Close() })
	server := <-s.accepted
	tb.Cleanup(func() { server.Close() })

	return &pair{server: server, client: client, clientSocket: client.NetConn().(*tappedConn)}
}
