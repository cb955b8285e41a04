package main

import (
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxMessageSize is the largest message the server accepts. gorilla sets no
// limit by default, so without one a single client could make us buffer a
// message of any size. Bigger messages are refused with close code 1009.
const maxMessageSize = 64 * 1024

// Keepalive. gorilla sets no deadlines either, so a client that vanished
// without a goodbye (laptop shut, cable pulled) would hold its connection and
// its goroutine for ever: TCP alone may never notice. So every read has a
// deadline, pongWait away, and we ping the client every pingPeriod. A live
// client answers each ping with a pong by itself (browsers, Node's ws and
// gorilla all do), and each pong moves the deadline on; a client that stops
// answering runs into it and is disconnected. (Variables, not constants, so
// the tests can make them short.)
var (
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10 // a little under pongWait, so the pong has time to arrive
)

// writeWait bounds the write of one ping to a client that stopped reading.
const writeWait = 10 * time.Second

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
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	stopPinging := make(chan struct{})
	defer close(stopPinging)
	go keepAlive(conn, stopPinging)
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
		// %q quotes the text, so a newline or a terminal escape code in it
		// shows as \n or \x1b instead of writing lines into our log that
		// look like our own; .200 cuts a long message short.
		s.log.Printf("Server received: %.200q", data)
	}
}

// keepAlive pings conn every pingPeriod until stop is closed. It writes
// while ServeHTTP reads, which gorilla allows for control frames:
// WriteControl may be called from any goroutine.
func keepAlive(conn *websocket.Conn, stop <-chan struct{}) {
	ticker := time.NewTicker(pingPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)) != nil {
				return // the connection is broken: the read will fail too
			}
		}
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
	var netErr net.Error
	var closeErr *websocket.CloseError
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla refuses it with close code 1009 (or, for a length no frame
		// can have, just drops the connection).
		s.log.Printf("Client disconnected: message larger than %d bytes", maxMessageSize)
	case websocket.IsCloseError(err, expectedCloseCodes...):
		s.log.Print("Client disconnected")
	case errors.As(err, &netErr) && netErr.Timeout():
		s.log.Printf("Client disconnected: no answer to our pings for %s", pongWait)
	case errors.As(err, &closeErr) && closeErr.Code != websocket.CloseAbnormalClosure:
		// Any other close code the client sent (1006 is gorilla's name for
		// "no close frame at all"). Its reason is the client's text, so it
		// is quoted and cut like a message.
		s.log.Printf("Client disconnected with close code %d: %.200q", closeErr.Code, closeErr.Text)
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

	goingAway := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
	for conn := range conns {
		// WriteControl is safe to call while the handler is reading. The
		// client's answer ends the handler's read.
		_ = conn.WriteControl(websocket.CloseMessage, goingAway, time.Now().Add(grace))
	}
	handlersDone := make(chan struct{})
	go func() { s.wg.Wait(); close(handlersDone) }()
	select {
	case <-handlersDone:
	case <-time.After(grace): // some never answered: cut them
		for conn := range conns {
			conn.Close()
		}
		<-handlersDone
	}
}
