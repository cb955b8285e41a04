package fastroom

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// Handler upgrades HTTP requests to WebSocket connections and adds them to a
// room.
type Handler struct {
	room     *Room
	upgrader websocket.Upgrader
}

// NewHandler returns a handler for r. Browsers are only let in from the
// server's own origin or one of allowedOrigins (see room.CheckOrigin in lesson 2).
func NewHandler(r *Room, allowedOrigins ...string) *Handler {
	return &Handler{
		room: r,
		upgrader: websocket.Upgrader{
			// Every connection keeps its read buffer for life, so it is
			// small: room for a frame header and a control frame (at most
			// 125 bytes), or a couple of chat messages. A longer message
			// is read past it, straight into the message's own buffer.
			// gorilla's write buffer, used for the handshake's answer and
			// control frames (the room frames its messages itself, see
			// batch.go), is borrowed from the pool for the time of a write
			// only, so an idle connection holds none.
			ReadBufferSize:  256,
			WriteBufferSize: 1024,
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     room.CheckOrigin(allowedOrigins),
		},
	}
}

// ServeHTTP upgrades the connection and returns at once: the room's goroutines
// serve the client from then on. Returning lets net/http free what it kept
// for the request, which makes each idle connection several times cheaper.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	// A full room says so at once, before the handshake: a client told
	// "503, full" can try again later or elsewhere, where one left waiting
	// can only time out.
	if !h.room.admit() {
		h.room.refusals.Printf("Refused a connection from %s: the server is full (%d connections, -max-conns)",
			req.RemoteAddr, h.room.maxConns)
		http.Error(w, fmt.Sprintf("server full: it takes %d connections at most; try again later", h.room.maxConns),
			http.StatusServiceUnavailable)
		return
	}
	// batchingWriter lets each client's writer send its waiting messages
	// with one system call (see batch.go).
	conn, err := h.upgrader.Upgrade(batchingWriter{w}, req, nil)
	if err != nil {
		// Upgrade has already answered with an HTTP error (403 for a
		// foreign origin, 400 for a request that is not a WebSocket one).
		h.room.release()
		h.room.refusals.Printf("Refused a connection from %s: %v", req.RemoteAddr, err)
		return
	}
	if _, err := h.room.join(conn); err != nil {
		h.room.release()
		msg := websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error())
		_ = conn.WriteMessage(websocket.CloseMessage, msg)
		conn.Close()
	}
}
