package room

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// Handler upgrades HTTP requests to WebSocket connections and adds them to a
// room.
type Handler struct {
	room     *Room
	upgrader websocket.Upgrader
}

// NewHandler returns a handler for r. Browsers are only let in from the
// server's own origin or one of allowedOrigins (see CheckOrigin).
func NewHandler(r *Room, allowedOrigins ...string) *Handler {
	return &Handler{
		room: r,
		upgrader: websocket.Upgrader{
			// Every connection keeps its read buffer for life, so it is
			// small: room for a frame header and a control frame (at most
			// 125 bytes), or a couple of chat messages. A longer message
			// is read past it, straight into the message's own buffer.
			// The write buffer, where the writer frames each message, is
			// borrowed from the pool for the time of a write only, so an
			// idle connection holds none. (A message longer than the
			// buffer goes out as several frames.)
			ReadBufferSize:  256,
			WriteBufferSize: 1024,
			WriteBufferPool: &sync.Pool{},
			CheckOrigin:     CheckOrigin(allowedOrigins),
		},
	}
}

// ServeHTTP upgrades the connection and returns at once: the room's goroutines
// serve the client from then on. Returning lets net/http free what it kept
// for the request, which makes each idle connection several times cheaper.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	// batchingWriter lets each client's writer send its waiting messages
	// with one system call (see batch.go).
	conn, err := h.upgrader.Upgrade(batchingWriter{w}, req, nil)
	if err != nil {
		// Upgrade has already answered with an HTTP error (403 for a
		// foreign origin, 400 for a request that is not a WebSocket one).
		h.room.log.Printf("Refused a connection from %s: %v", req.RemoteAddr, err)
		return
	}
	if _, err := h.room.Join(conn); err != nil {
		msg := websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error())
		_ = conn.WriteMessage(websocket.CloseMessage, msg)
		conn.Close()
	}
}

// CheckOrigin returns the origin policy of the handler.
//
// Browsers send cookies with every request to a site, WebSocket handshakes
// included, and unlike fetch they do not ask the site whether a foreign page
// may connect (no CORS). So a page on any other site could open a WebSocket
// to this server with the visitor's credentials: cross-site WebSocket
// hijacking. The browser does say which page is asking, in the Origin header,
// and this check refuses origins other than the server's own and those
// listed. Programs such as the Go and Node clients send no Origin at all and
// are not a cross-site risk, so they are let in.
func CheckOrigin(allowed []string) func(*http.Request) bool {
	return func(req *http.Request) bool {
		origin := req.Header.Get("Origin")
		if origin == "" {
			return true // not a browser
		}
		for _, a := range allowed {
			if strings.EqualFold(origin, a) {
				return true
			}
		}
		u, err := url.Parse(origin)
		return err == nil && strings.EqualFold(u.Host, req.Host)
	}
}

// SplitOrigins turns a comma-separated list of origins, as the servers'
// -origins flag takes it ("https://a.example, https://b.example"), into
// the list NewHandler takes.
func SplitOrigins(list string) []string {
	var out []string
	for _, part := range strings.Split(list, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
