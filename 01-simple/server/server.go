package main

import (
	"errors"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxMessageSize is the largest message the server accepts. gorilla sets no
// limit by default, so without one a single client could make us buffer a
// message of any size. Bigger messages are refused with close code 1009.
const maxMessageSize = 64 * 1024

// server upgrades HTTP requests to WebSockets and logs what each client sends.
type server struct {
	log      *log.Logger
	upgrader websocket.Upgrader

	mu    sync.Mutex
	conns map[*websocket.Conn]struct{} // open connections, for shutdown
	wg    sync.WaitGroup               // one per running handler
}

func newServer(logger *log.Logger) *server {
	return &server{log: logger, conns: make(map[*websocket.Conn]struct{})}
}

// ServeHTTP handles one client for as long as it stays connected. It is the
// only goroutine that reads from the connection.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has already answered with an HTTP error.
		s.log.Printf("Refused a connection from %s: %v", r.RemoteAddr, err)
		return
	}
	if !s.track(conn) {
		return // shutting down
	}
	defer s.untrack(conn)

	s.log.Print("New client connected")
	conn.SetReadLimit(maxMessageSize)
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			s.logDisconnect(err)
			return
		}
		if kind != websocket.TextMessage {
			s.log.Printf("Ignored a binary message (%d bytes)", len(data))
			continue
		}
		s.log.Printf("Server received: %s", data)
	}
}

// expectedCloseCodes are the ways a client says goodbye on purpose. 1005 (no
// status) is what a browser or Node's ws sends when close() is called without
// a code.
var expectedCloseCodes = []int{
	websocket.CloseNormalClosure,
	websocket.CloseGoingAway,
	websocket.CloseNoStatusReceived,
}

// logDisconnect explains why a read ended. Go has no "close" event: a client
// leaving shows up as the error that ends the read loop.
func (s *server) logDisconnect(err error) {
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		s.log.Printf("Client disconnected: message larger than %d bytes (closed with 1009)", maxMessageSize)
	case websocket.IsCloseError(err, expectedCloseCodes...):
		s.log.Print("Client disconnected")
	default:
		s.log.Printf("Client disconnected abruptly: %v", err)
	}
}

// track registers conn so that shutdown can close it. It returns false, and
// closes conn, if the server is already shutting down.
func (s *server) track(conn *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		conn.Close()
		return false
	}
	s.conns[conn] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *server) untrack(conn *websocket.Conn) {
	conn.Close()
	s.mu.Lock()
	delete(s.conns, conn)
	s.mu.Unlock()
	s.wg.Done()
}

// closeAll sends every client a close frame (1001, going away) and waits up to
// grace for them to answer; connections still open after that are cut.
func (s *server) closeAll(grace time.Duration) {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil // refuse late arrivals
	s.mu.Unlock()

	deadline := time.Now().Add(grace)
	goingAway := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
	for conn := range conns {
		// WriteControl is safe to call while the handler is reading.
		_ = conn.WriteControl(websocket.CloseMessage, goingAway, deadline)
		// The client's answer ends the handler's read; if it never comes, the
		// deadline does.
		_ = conn.SetReadDeadline(deadline)
	}
	s.wg.Wait()
}
