// Package room is the stateful part of lesson 2: a chat room that gives each
// client the next id and tells every other client when someone joins, sends a
// broadcast, or leaves.
//
// The notebook keeps its clients in a plain array and counts ids with a plain
// variable, which is safe only because Node runs all of it on one thread. In
// Go every client is served by goroutines of its own, so the room guards its
// map and its counter with a mutex, and only a client's own write pump ever
// writes to its connection (see client.go).
package room

import (
	"context"
	"errors"
	"log"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrClosed is why Join refuses a client once the room is shutting down.
var ErrClosed = errors.New("room closed")

// Relay is the room's one extension point: where ids come from and where
// events go. Lesson 2 needs none (New): ids come from the room's own counter
// and events go straight to its clients. Lesson 4 passes a relay that takes
// ids from a counter shared by several servers and publishes each event to
// all of them, each of which hands it to its room's Deliver.
type Relay interface {
	NextID() (int, error)
	Publish(from int, m Message)
}

// Room is the set of connected clients. Create one with New.
type Room struct {
	log   *log.Logger
	relay Relay

	// joining lets one Join run at a time, as Node runs one connection
	// handler at a time: ids then follow the order clients join in.
	joining sync.Mutex
	lastID  int // the notebook's id counter

	mu      sync.Mutex
	clients map[int]*Client // everyone connected
	closed  bool            // shutting down: no one new gets in

	pumps sync.WaitGroup // every client's read and write pumps, for Close
}

// New returns an empty room that logs to logger.
func New(logger *log.Logger) *Room { return NewRelayed(logger, nil) }

// NewRelayed returns an empty room whose ids and events go through relay;
// a nil relay is the room on its own, as New makes it.
func NewRelayed(logger *log.Logger, relay Relay) *Room {
	r := &Room{log: logger, relay: relay, clients: make(map[int]*Client)}
	if r.relay == nil {
		r.relay = alone{r}
	}
	return r
}

// alone is the relay of a room on its own: its own counter, its own clients.
// Only Join asks for an id, one Join at a time, so lastID needs no more lock.
type alone struct{ *Room }

func (r alone) NextID() (int, error) { r.lastID++; return r.lastID, nil }

func (r alone) Publish(from int, m Message) { r.Deliver(from, m) }

// Join gives conn the next id, adds it to the room, tells the others, and
// starts the client's two pumps. It returns at once: from then on the pumps
// serve the client, and the HTTP handler that called Join can return.
func (r *Room) Join(conn *websocket.Conn) error {
	r.joining.Lock()
	defer r.joining.Unlock()
	id, err := r.relay.NextID()
	if err != nil {
		return err
	}
	c := newClient(r, id, conn)

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.clients[id] = c
	r.pumps.Add(2)
	r.mu.Unlock()

	r.log.Printf("Client %d connected", id)
	r.relay.Publish(id, Connected(id))
	go c.writePump()
	go c.readPump()
	return nil
}

// Deliver queues m for every client except the one with id from: the sender
// never gets its own message. The message is encoded once, however many
// clients receive it. Deliver never waits for a client: one whose queue is
// full is so far behind that it has probably stopped reading, and it is
// dropped, so that it cannot hold up everyone else.
func (r *Room) Deliver(from int, m Message) {
	data, _ := Encode(m) // two strings: encoding cannot fail
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, c := range r.clients {
		if id == from {
			continue
		}
		select {
		case c.send <- data: // never after done is closed: both happen under r.mu
		default:
			r.log.Printf("Client %d is too slow to keep up; disconnecting it", id)
			r.removeLocked(c, CloseTooSlow, "too slow")
		}
	}
}

// remove takes c out of the room, if it is still in, and has its write pump
// say goodbye with a close frame of code and text.
func (r *Room) remove(c *Client, code int, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked(c, code, text)
}

// removeLocked is remove for a caller that holds r.mu. Only the first removal
// of a client counts: the client is then no longer in the map.
//
// Closing done tells both pumps; bye, set just before, is the close frame the
// write pump then sends. The client has closeGrace to answer it: the read
// deadline (which any goroutine may set on the net.Conn underneath) ends the
// read pump, and with it the connection, if it does not.
func (r *Room) removeLocked(c *Client, code int, text string) {
	if r.clients[c.id] != c {
		return
	}
	delete(r.clients, c.id)
	c.bye = websocket.FormatCloseMessage(code, text)
	close(c.done) // after bye is set: the write pump reads it once done is closed
	_ = c.conn.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
}

// leave is called once by a client's read pump when its connection has
// ended, however it ended: it takes the client out and tells the others.
func (r *Room) leave(c *Client, err error) {
	// The connection is over, so this goodbye goes nowhere; removing the
	// client is what matters.
	r.remove(c, websocket.CloseNormalClosure, "")
	// 1005 (no status) is what browsers and Node's ws send when close() is
	// called without a code: a goodbye like the other two. Anything else is
	// worth a word in the log, quoted, as it may hold the client's text.
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
		r.log.Printf("Client %d disconnected", c.id)
	} else {
		r.log.Printf("Client %d disconnected: %q", c.id, err)
	}
	r.relay.Publish(c.id, Disconnected(c.id))
}

// Close turns new clients away, sends every client a close frame (1001,
// going away), and returns once all their pumps have ended. Each client has
// closeGrace to answer (see removeLocked); connections still open when ctx is
// done are cut.
func (r *Room) Close(ctx context.Context) {
	r.mu.Lock()
	r.closed = true
	clients := slices.Collect(maps.Values(r.clients))
	for _, c := range clients {
		r.removeLocked(c, websocket.CloseGoingAway, "server shutting down")
	}
	r.mu.Unlock()

	defer context.AfterFunc(ctx, func() {
		for _, c := range clients {
			c.conn.Close()
		}
	})()
	r.pumps.Wait()
}
