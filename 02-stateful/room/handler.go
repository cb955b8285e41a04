package room

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"
)

// Handler upgrades HTTP requests to WebSocket connections and adds them to a
// room.
type Handler struct {
	room     *Room
	upgrader websocket.Upgrader
}

// NewHandler returns a handler for r. Browsers are let in only from the
// server's own origin or one of allowedOrigins (see CheckOrigin).
func NewHandler(r *Room, allowedOrigins ...string) *Handler {
	return &Handler{
		room: r,
		upgrader: websocket.Upgrader{
			ReadBufferSize:  1024,
			WriteBufferSize: 1024,
			CheckOrigin:     CheckOrigin(allowedOrigins),
		},
	}
}

// ServeHTTP upgrades the connection, hands it to the room and returns: the
// client's pumps serve it from then on, and net/http can free what it kept
// for the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	conn, err := h.upgrader.Upgrade(w, req, nil)
	if err != nil {
		// Upgrade has already answered with an HTTP error (403 for a
		// foreign origin, 400 for a request that is not a WebSocket one).
		h.room.log.Printf("Refused a connection from %s: %v", req.RemoteAddr, err)
		return
	}
	if err := h.room.Join(conn); err != nil {
		bye := websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error())
		_ = conn.WriteMessage(websocket.CloseMessage, bye)
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
//
// "The server's own" means the Origin names the host the request was sent
// to (its Host header). A page can choose that name, though: a site whose
// DNS name first points at its own server and then at 127.0.0.1 (DNS
// rebinding) has a page whose Origin and Host agree while it talks to a
// server on this machine. So when the connection came in on a loopback
// address, the Host must also be a loopback name.
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
		if err != nil || !strings.EqualFold(u.Host, req.Host) {
			return false
		}
		return !arrivedOnLoopback(req) || isLoopbackName(req.Host)
	}
}

// arrivedOnLoopback reports whether req came in on a loopback address.
func arrivedOnLoopback(req *http.Request) bool {
	addr, ok := req.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	host, _, err := net.SplitHostPort(addr.String())
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// isLoopbackName reports whether hostport names this machine: localhost (or
// a name under .localhost, which resolves to this machine by definition) or a
// loopback address.
func isLoopbackName(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport // no port
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
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
