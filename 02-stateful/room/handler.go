package room

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// NewHandler returns the HTTP handler that upgrades requests to WebSocket
// connections and hands them to r. Browsers are let in only from the server's
// own origin or one of allowedOrigins (see CheckOrigin).
func NewHandler(r *Room, allowedOrigins ...string) http.Handler {
	upgrader := websocket.Upgrader{
		// Small buffers of its own: the room's messages are small, and
		// gorilla then lets go of net/http's larger ones.
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		CheckOrigin:     CheckOrigin(allowedOrigins),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		conn, err := upgrader.Upgrade(w, req, nil)
		if err != nil {
			// Upgrade has already answered with an HTTP error (403 for a
			// foreign origin, 400 for a request that is not a WebSocket one).
			r.log.Printf("Refused a connection from %s: %v", req.RemoteAddr, err)
			return
		}
		// Join starts the client's pumps and returns; so does this handler,
		// and net/http can free what it kept for the request.
		if err := r.Join(conn); err != nil {
			bye := websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error())
			_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeGrace))
			conn.Close()
		}
	})
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
// address, the Host must also name this machine.
func CheckOrigin(allowed []string) func(*http.Request) bool {
	return func(req *http.Request) bool {
		origin := req.Header.Get("Origin")
		if origin == "" || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, origin) }) {
			return true // not a browser, or a page from a site on the list
		}
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, req.Host) {
			return false
		}
		local, _ := req.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
		return local == nil || !local.IP.IsLoopback() || namesThisMachine(req.Host)
	}
}

// namesThisMachine reports whether a Host header names this machine:
// localhost or a loopback address.
func namesThisMachine(host string) bool {
	if name, _, err := net.SplitHostPort(host); err == nil {
		host = name // without the port
	}
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}

// SplitOrigins turns a comma-separated list of origins, as the servers'
// -origins flag takes it ("https://a.example, https://b.example"), into
// the list NewHandler takes.
func SplitOrigins(list string) []string {
	// An origin holds neither commas nor spaces.
	return strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' })
}
