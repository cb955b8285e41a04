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

	mu      sync.Mutex
	lastID  int             // the notebook's id counter
	clients map[int]*Client // everyone connected
	closed  bool            // shutting down: no one new gets in

	pumps sync.WaitGroup // every client's read and write pumps, for Close
}

// New returns an empty room that logs to logger.
func New(logger *log.Logger) *Room {
	return NewRelayed(logger, nil)
}

// NewRelayed returns an empty room whose ids and events go through relay;
// a nil relay is the room on its own, as New makes it.
func NewRelayed(logger *log.Logger, relay Relay) *Room {
	r := &Room{log: logger, relay: relay, clients: make(map[int]*Client)}
	if r.relay == nil {
		r.relay = local{r}
	}
	return r
}

// local is the relay of a room on its own.
type local struct{ r *Room }

func (l local) NextID() (int, error) {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	l.r.lastID++
	return l.r.lastID, nil
}

func (l local) Publish(from int, m Message) { l.r.Deliver(from, m) }

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

// broadcast passes on a message that client from sent.
func (r *Room) broadcast(from int, m Message) {
	r.log.Printf("Client %d broadcast: %s", from, ForLog(m.Payload))
	r.relay.Publish(from, m)
}

// Deliver queues m for every client except the one with id from: the sender
// never gets its own message. The message is encoded once, however many
// clients receive it. Deliver never waits for a client: one whose queue is
// full is dropped instead (see Client.queue), so a client that stopped
// reading cannot hold up everyone else.
func (r *Room) Deliver(from int, m Message) {
	data, err := Encode(m)
	if err != nil {
		r.log.Printf("Cannot encode %+v: %v", m, err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, c := range r.clients {
		if id != from && !c.queue(data) {
			r.log.Printf("Client %d is too slow to keep up; disconnecting it", id)
			r.removeLocked(c, CloseTooSlow, "too slow")
		}
	}
}

// remove takes c out of the room, if it is still in, and tells its write
// pump to end, with a close frame of code unless code is 0.
func (r *Room) remove(c *Client, code int, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked(c, code, text)
}

// removeLocked is remove for a caller that holds r.mu. Only the first removal
// of a client counts: the client is then no longer in the map.
func (r *Room) removeLocked(c *Client, code int, text string) {
	if r.clients[c.id] != c {
		return
	}
	delete(r.clients, c.id)
	if code != 0 {
		// The write pump may be stuck in a write to a client that stopped
		// reading: leave that write little time, so the goodbye comes soon.
		_ = c.conn.NetConn().SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.closeCode, c.closeText = code, text
	close(c.done) // after the two lines above: the write pump reads them once done is closed
}

// leave is called once by a client's read pump when its connection has ended.
func (r *Room) leave(c *Client, why string) {
	r.remove(c, 0, "")
	r.log.Printf("Client %d disconnected%s", c.id, why)
	r.relay.Publish(c.id, Disconnected(c.id))
}

// Len returns how many clients are connected.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.clients)
}

// Close turns new clients away, sends every client a close frame (1001,
// going away) and waits until all their pumps have ended or ctx is done,
// whichever is first. Connections still open then are cut.
func (r *Room) Close(ctx context.Context) {
	r.mu.Lock()
	r.closed = true
	var clients []*Client
	for _, c := range r.clients {
		clients = append(clients, c)
		r.removeLocked(c, websocket.CloseGoingAway, "server shutting down")
	}
	r.mu.Unlock()

	ended := make(chan struct{})
	go func() { r.pumps.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-ctx.Done():
		for _, c := range clients {
			c.conn.Close()
		}
		<-ended
	}
}
