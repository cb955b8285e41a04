package site

import (
	"fmt"
	"net/http"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/06-production/auth"
	"example.com/wstutorial/06-production/metrics"
	"github.com/gorilla/websocket"
)

// serveWebSocket is the gate in front of the room. Every check happens
// before the upgrade, while the answer can still be a plain HTTP status that
// any client, proxy or log understands: after the upgrade only a close frame
// could say no, and the connection would already have cost a seat.
func (s *Site) serveWebSocket(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	addr := ClientAddr(req, s.TrustedProxies)

	// A page from another site is refused even if the browser sent a
	// valid cookie along: that is cross-site WebSocket hijacking.
	if !s.checkOrigin(req) {
		s.refuse(w, addr, http.StatusForbidden, metrics.RefusedOrigin,
			fmt.Sprintf("origin %s is not allowed", room.ForLog(req.Header.Get("Origin"))))
		return
	}
	name, err := s.identify(req)
	if err != nil {
		s.refuse(w, addr, http.StatusUnauthorized, metrics.RefusedUnauthorized, "sign in first: "+err.Error())
		return
	}
	if !s.Room.TakeSeat() {
		s.refuse(w, addr, http.StatusServiceUnavailable, metrics.RefusedFull, "the server is full; try again later")
		return
	}
	conn, err := s.upgrader.Upgrade(w, req, nil)
	if err != nil {
		// Upgrade has answered already (400: not a WebSocket handshake).
		s.Room.LeaveSeat()
		s.Metrics.Refused.WithLabelValues(metrics.RefusedHandshake).Inc()
		s.noisy.Printf("refused", "Refused a handshake from %s: %v", addr, err)
		return
	}
	if err := s.Room.Join(conn, name, addr); err != nil {
		s.Metrics.Refused.WithLabelValues(metrics.RefusedClosing).Inc()
		bye := websocket.FormatCloseMessage(websocket.CloseTryAgainLater, err.Error())
		_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second))
		conn.Close()
		return
	}
	s.Metrics.HandshakeTime.Observe(time.Since(start).Seconds())
}

// identify returns the name of whoever is knocking: from the session cookie
// a browser sends by itself, or from the token a program puts in the URL.
//
// A browser's WebSocket API can set no headers, so a program's token cannot
// go in Authorization. It could go in Sec-WebSocket-Protocol, but that
// header is meant for naming subprotocols, and the server must echo the
// chosen one back: the token would travel in both directions, and every
// client would need to know the trick. A query parameter works with every
// client there is. Its cost is that URLs get written down (access logs,
// proxies, browser history), so the token is good only for TokenTTL (30
// seconds by default): long enough to connect, and worthless by the time
// someone reads the log.
func (s *Site) identify(req *http.Request) (string, error) {
	if token := req.URL.Query().Get("token"); token != "" {
		name, err := s.Signer.Verify(auth.Token, token)
		if err != nil {
			return "", fmt.Errorf("token: %w", err)
		}
		return name, nil
	}
	name, err := s.session(req)
	if err != nil {
		return "", fmt.Errorf("session: %w", err)
	}
	return name, nil
}

// refuse answers a handshake with status and a reason, counts it, and logs
// it at a bounded rate: refusals are what an attacker makes by the thousand.
func (s *Site) refuse(w http.ResponseWriter, addr string, status int, reason, why string) {
	s.Metrics.Refused.WithLabelValues(reason).Inc()
	s.noisy.Printf("refused", "Refused a handshake from %s: %d %s", addr, status, why)
	http.Error(w, why, status)
}
