// Package chat is the room of lesson 6: lesson 2's room, speaking lesson 2's
// protocol (room.Message, room.ParseBroadcast, room.Encode), with what a room
// open to the internet needs besides:
//
//   - people are announced by the name they signed in with, not a number;
//   - a cap on connections, so the server refuses clients it cannot serve
//     (503) instead of failing in silence at its file limit;
//   - a rate limit on what each client sends, which holds to its last message;
//   - a budget for what all of them send together (lesson 5's budget package);
//   - a ping period that can be set, to stay under a proxy's idle timeout;
//   - metrics for everything, and bad input logged at a bounded rate.
//
// The shape is lesson 2's: one read pump and one write pump per client, a
// send queue between the room and the write pump, and a client that cannot
// keep up dropped rather than waited for.
package chat

import (
	"context"
	"errors"
	"log"
	"sync"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/05-performance/budget"
	"example.com/wstutorial/06-production/lograte"
	"example.com/wstutorial/06-production/metrics"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// ErrClosed is why Join refuses a client once the room is shutting down.
var ErrClosed = errors.New("room closed")

// roomBudget is how many bytes of deliveries may wait in all the send queues
// together (see the budget package for why a room needs one). A message to
// 100 clients counts 100 times; the memory it takes is less, as the queues
// share one copy. It holds eight full queues of the largest messages, so that
// a few clients that stopped reading, each on its way to being dropped,
// cannot hold back everyone else.
const roomBudget = 8 * sendQueue * maxMessageSize

// Limits are the room's settings that a deployment tunes.
type Limits struct {
	MaxConns   int           // clients at once; more are refused with 503
	PingPeriod time.Duration // how often each client is pinged
	Rate       rate.Limit    // messages a second a client may send, after a burst of twice as many; 0 for no limit
}

// Room is the set of connected clients. Create one with New.
type Room struct {
	log     *log.Logger
	noisy   *lograte.Logger // for lines a client can cause at will
	metrics *metrics.Metrics
	limits  Limits
	seats   chan struct{}  // one token per connection, held from handshake to goodbye
	budget  *budget.Budget // bytes waiting in all the send queues together

	mu      sync.Mutex
	clients map[*Client]bool
	closed  bool

	pumps sync.WaitGroup // every client's pumps, for Close
}

// New returns an empty room that logs to logger and counts in m.
func New(logger *log.Logger, m *metrics.Metrics, limits Limits) *Room {
	m.MaxConns.Set(float64(limits.MaxConns))
	return &Room{
		log:     logger,
		noisy:   lograte.New(logger),
		metrics: m,
		limits:  limits,
		seats:   make(chan struct{}, limits.MaxConns),
		budget:  budget.New(roomBudget),
		clients: make(map[*Client]bool),
	}
}

// TakeSeat reserves room for one more client, and reports false if the room
// is full. The handler takes a seat before it upgrades a connection, so that
// a full server can still answer with a plain 503. The seat is given back by
// Join's client when it leaves, or by LeaveSeat if the client never joins.
func (r *Room) TakeSeat() bool {
	select {
	case r.seats <- struct{}{}:
		return true
	default:
		return false
	}
}

// LeaveSeat gives back a seat taken by TakeSeat.
func (r *Room) LeaveSeat() { <-r.seats }

// Join adds conn, which holds a seat, to the room as name (from address
// addr, for the log), tells the others, and starts the client's pumps.
func (r *Room) Join(conn *websocket.Conn, name, addr string) error {
	c := newClient(r, conn, name)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		r.LeaveSeat()
		return ErrClosed
	}
	r.clients[c] = true
	r.pumps.Add(2)
	r.mu.Unlock()

	r.metrics.Connections.Inc()
	r.log.Printf("%s connected from %s", name, addr)
	r.announce(c, joined(name))
	go c.writePump()
	go c.readPump()
	return nil
}

// joined and left are lesson 2's notices, with a name where it had a number.
func joined(name string) room.Message {
	return room.Message{Type: room.TypeConnected, Payload: name + " connected"}
}

func left(name string) room.Message {
	return room.Message{Type: room.TypeDisconnected, Payload: name + " disconnected"}
}

// broadcast passes on a message that client from sent, once its deliveries
// fit in the room's budget: a flood waits in its senders' connections instead
// of in the queues of everyone else. Unlike lesson 2, the room does not log
// what people say: on the internet that log would be a record of private
// conversations, and as long as the traffic; the metrics count the messages
// instead.
func (r *Room) broadcast(from *Client, m room.Message) {
	r.metrics.MessagesIn.Inc()
	data, ok := r.encode(m)
	if !ok {
		return
	}
	// Room for a delivery to everyone else; deliver counts what it really
	// queues, and the reservation is given back after it.
	reserved := int64(len(data)) * int64(max(0, r.Len()-1))
	if !r.budget.Take(reserved, from.done) {
		return // removed while waiting: nothing more of it is passed on
	}
	r.deliver(from, data)
	r.budget.Release(reserved)
}

// announce tells everyone but c the notice m. Notices do not wait for the
// budget: they are few, one per arrival and departure.
func (r *Room) announce(c *Client, m room.Message) {
	if data, ok := r.encode(m); ok {
		r.deliver(c, data)
	}
}

// encode encodes m once, for every client that gets it.
func (r *Room) encode(m room.Message) ([]byte, bool) {
	data, err := room.Encode(m)
	if err != nil {
		r.log.Printf("Cannot encode %+v: %v", m, err)
		return nil, false
	}
	return data, true
}

// deliver queues data for every client but from. It never waits for a
// client: one whose queue is full is dropped (1008), so a client that stopped
// reading cannot hold up the room. The message is encoded once for everyone,
// and every queue holds the same bytes, so memory grows with the number of
// different messages waiting, not with the number of clients.
func (r *Room) deliver(from *Client, data []byte) {
	msg := &outgoing{data: data, queued: time.Now()}
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.clients {
		if c == from {
			continue
		}
		if !c.queue(msg) {
			r.metrics.DroppedSlow.Inc()
			r.noisy.Printf("slow", "%s is too slow to keep up; disconnecting them", c.name)
			r.removeLocked(c, room.CloseTooSlow, "too slow")
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

// removeLocked is remove for a caller that holds r.mu.
func (r *Room) removeLocked(c *Client, code int, text string) {
	if !r.clients[c] {
		return
	}
	delete(r.clients, c)
	if code != 0 {
		// Leave a write stuck on a client that stopped reading little time,
		// so the goodbye comes soon.
		_ = c.conn.NetConn().SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.closeCode, c.closeText = code, text
	close(c.done) // after the lines above: the write pump reads them once done is closed
}

// leave is called once by a client's read pump when its connection has ended.
func (r *Room) leave(c *Client, why string) {
	r.remove(c, 0, "")
	c.discardQueue() // out of the room now: nothing more is queued for it
	r.metrics.Connections.Dec()
	r.log.Printf("%s disconnected%s", c.name, why)
	r.announce(c, left(c.name))
}

// Len returns how many clients are connected.
func (r *Room) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.clients)
}

// Close turns new clients away, sends every client a close frame (1001,
// going away) and waits until all their pumps have ended or ctx is done;
// connections still open then are cut.
func (r *Room) Close(ctx context.Context) {
	r.mu.Lock()
	r.closed = true
	var clients []*Client
	for c := range r.clients {
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
			c.cut()
		}
		<-ended
	}
}
