// Package rooms is lesson 7: many rooms, spread over several instances,
// each with a history in JetStream from which a client that lost its
// connection gets what it missed.
//
// A client joins a room by its URL (/rooms/NAME). Everything said in a room
// is appended to the room's subject in one JetStream stream, and every
// instance with members in that room follows the subject and hands each
// event to its members. The stream numbers the events: that number, seq,
// goes with every event, the same on every instance, and a client that
// comes back with ?since=SEQ is first sent what it missed.
package rooms

import (
	"context"
	"errors"
	"log"
	"sync"
	"sync/atomic"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/05-performance/ratelog"
	"github.com/gorilla/websocket"
)

// ErrClosed is why a client is turned away once the server shuts down.
var ErrClosed = errors.New("server shutting down")

// Options are what a server lets its clients do. The zero value sets no
// limit; the server command's flags give the lesson's.
type Options struct {
	Quiet bool // no line per message, join or leave (for load tests)

	// SendRate is how many messages a second a client may send on average,
	// in bursts of twice that; 0 is no limit. Every message costs a
	// JetStream append and a delivery to every member of the room, so a
	// client sending as fast as it can would make that work for everyone.
	// A client over its rate loses nothing: its messages are read more
	// slowly, so they wait in its connection, and then its sends wait.
	SendRate float64

	// MaxConns is how many clients the server takes at once; beyond it, the
	// handshake is refused with 503 before the upgrade. Each costs a file
	// descriptor: without a cap, a crowd runs the process out of them, and
	// from then on new clients wait in silence while accepting fails.
	MaxConns int

	// MaxRooms is how many rooms the server follows at once; a client of
	// one more is refused with 503. Each is a JetStream consumer, made one
	// at a time under the server's lock (see enter): a client opening room
	// after room would otherwise load the NATS server at will.
	MaxRooms int
}

// The server command's defaults. DefaultSendRate is far more than anyone
// types, far less than a program flooding the room. DefaultMaxConns leaves
// room, within a file limit of 20,000 descriptors, for NATS and the page.
// DefaultMaxRooms is a room for every ten clients.
const (
	DefaultSendRate = 20
	DefaultMaxConns = 19_000
	DefaultMaxRooms = DefaultMaxConns / 10
)

// Why a client is turned away before its upgrade (503).
var (
	ErrFull         = errors.New("server full: too many connections")
	ErrTooManyRooms = errors.New("server full: too many rooms")
)

// Server holds the rooms that have members on this instance.
type Server struct {
	log     *log.Logger
	history *History
	opts    Options

	// Lines a client or a failing broker can cause at will (a bad message
	// each, a refusal each, a line for every message while NATS is down),
	// each kind logged at a bounded rate, as in lesson 5.
	badInput, refusals, drops, failures *ratelog.Log

	open atomic.Int64 // connections admitted and not yet gone

	mu     sync.Mutex
	rooms  map[string]*Room
	closed atomic.Bool

	pumps sync.WaitGroup // every member's two pumps
}

// NewServer returns a server whose rooms keep their history in history.
func NewServer(logger *log.Logger, history *History, opts Options) *Server {
	return &Server{
		log: logger, history: history, opts: opts, rooms: make(map[string]*Room),
		badInput: ratelog.New(logger), refusals: ratelog.New(logger), drops: ratelog.New(logger), failures: ratelog.New(logger),
	}
}

// admit counts one more connection, unless the server has as many as it
// takes. A connection admitted is counted until release.
func (s *Server) admit() bool {
	if s.open.Add(1) > int64(s.opts.MaxConns) && s.opts.MaxConns > 0 {
		s.open.Add(-1)
		return false
	}
	return true
}

// release forgets a connection admitted.
func (s *Server) release() { s.open.Add(-1) }

// join announces conn, a new member of r (entered for it), to the others,
// makes it a member and starts its pumps, whose writer first sends it the
// events it missed if it resumes. It returns at once: the pumps serve it
// from then on.
//
// The announcement is stored first, so its seq marks where the client
// joined: the client gets every event of the room after it (and, if it
// resumes, the ones it missed before it), none twice.
func (s *Server) join(r *Room, conn *websocket.Conn, since uint64, resume bool) error {
	id, err := s.history.NextID()
	if err != nil {
		s.abandon(r)
		return err
	}
	joined, err := s.history.Append(r.name, id, room.Connected(id))
	if err == nil {
		c := newClient(r, id, conn)
		if err = r.admit(c, joined, since, resume); err == nil {
			if !s.opts.Quiet {
				s.log.Printf("Client %d joined room %s", id, r.name)
			}
			go c.writePump()
			go c.readPump()
			return nil
		}
		_, _ = s.history.Append(r.name, id, room.Disconnected(id)) // the others heard it arrive
	}
	s.abandon(r)
	return err
}

// abandon undoes enter and admit for a client that does not join after all.
func (s *Server) abandon(r *Room) {
	s.pumps.Add(-2)
	s.exit(r)
	s.release()
}

// enter returns the room name, following it first if it is new here. The
// lock is held while the subscription is made, so a room is never followed
// twice; it costs a joiner of a new room two round trips to NATS, and other
// joiners of new rooms wait meanwhile.
func (s *Server) enter(name string) (*Room, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	r := s.rooms[name]
	if r == nil {
		if s.opts.MaxRooms > 0 && len(s.rooms) >= s.opts.MaxRooms {
			return nil, ErrTooManyRooms
		}
		r = &Room{name: name, srv: s, members: make(map[int]*Client)}
		last, err := s.history.Last(name)
		if err != nil {
			return nil, err
		}
		r.last = last // set before following: deliveries compare with it
		if r.sub, err = s.history.Follow(name, last, r.deliver); err != nil {
			return nil, err
		}
		s.rooms[name] = r
	}
	r.users++
	s.pumps.Add(2) // here, so that Close, which takes mu, waits for them
	return r, nil
}

// exit undoes enter; the last one out stops following the room, so a room
// without members here costs this instance nothing. Unsubscribing deletes
// the consumer on the NATS server, a round trip that may wait long for an
// unreachable server: it is made without the lock, so that rooms are left
// side by side, not one after the other.
func (s *Server) exit(r *Room) {
	s.mu.Lock()
	r.users--
	last := r.users == 0
	if last {
		delete(s.rooms, r.name)
	}
	s.mu.Unlock()
	if last {
		if err := r.sub.Unsubscribe(); err != nil {
			s.failures.Printf("Room %s: unsubscribe: %v", r.name, err)
		}
	}
}

// Following returns how many rooms this instance follows.
func (s *Server) Following() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}

// Close turns new clients away, sends every member a close frame (1001,
// going away) and waits until their pumps have ended or ctx is done; then
// it cuts the connections still open.
func (s *Server) Close(ctx context.Context) {
	s.mu.Lock()
	s.closed.Store(true)
	var conns []*websocket.Conn
	for _, r := range s.rooms {
		r.mu.Lock()
		for _, c := range r.members {
			conns = append(conns, c.conn)
			r.removeLocked(c, websocket.CloseGoingAway, "server shutting down")
		}
		r.mu.Unlock()
	}
	s.mu.Unlock()

	ended := make(chan struct{})
	go func() { s.pumps.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-ctx.Done():
		for _, conn := range conns {
			conn.Close()
		}
		<-ended
	}
}
