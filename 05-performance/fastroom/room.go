// Package fastroom is lesson 2's room made fast and made to face load: the
// same protocol (lesson 2's room.Message), the same ids and notices, but
// writes gathered into one system call, buffers held only while in use, on
// Linux no goroutine for a quiet connection (see poller_linux.go), and
// limits on what clients may make it do (see the lesson's README).
//
// Many goroutines touch the room at once, so the registry is guarded by a
// mutex, and only one goroutine at a time ever writes to a connection.
package fastroom

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/05-performance/budget"
	"example.com/wstutorial/05-performance/ratelog"
)

// ErrClosed is why join refuses a client once the room has been closed for shutdown.
var ErrClosed = errors.New("room closed")

// errCutOff is why a connection still open when Close gives up ends.
var errCutOff = errors.New("still open at the end of the shutdown")

// Room is a set of connected clients. Create one with New.
type Room struct {
	log      *log.Logger
	quiet    bool
	sendRate rate.Limit     // messages a second each client may send; rate.Inf: no limit
	maxConns int64          // connections the room takes at once
	budget   *budget.Budget // bytes queued for all the writers together

	// Lines a client can cause at will are logged at a bounded rate.
	badInput *ratelog.Log // bad messages
	refusals *ratelog.Log // refused handshakes

	open atomic.Int64 // connections admitted and not yet gone

	mu      sync.RWMutex
	lastID  int             // the notebook's createClientId counter
	clients map[int]*Client // everyone connected to this process
	closed  bool

	running sync.WaitGroup // one per reader and writer of a client, goodbye and pong, for Close

	// poller reads the connections on readiness (poller_linux.go); nil
	// where a goroutine per connection reads it. Made by the first join.
	poller      *poller
	pollerTried bool
	writers     *writerPool // with the poller: writes for every client (writers.go)

	// joining lets one Join run at a time, as Node runs one connection
	// handler at a time: ids then follow the order clients join in, and
	// each client hears of exactly those who join after it.
	joining sync.Mutex
}

// Option changes how New builds a Room.
type Option func(*Room)

// Quiet stops the room from logging every broadcast, which would dominate the
// server's CPU time under load. Joins, leaves and problems are still logged.
func Quiet() Option { return func(r *Room) { r.quiet = true } }

// DefaultSendRate is how many messages a second a client may send, on
// average, unless SendRate says otherwise.
//
// Every message a client sends costs a write to every other client, so a
// client that sends as fast as it can makes work far faster than the writers
// can do it: the other clients' outboxes fill up, and healthy clients are
// disconnected as too slow. A limit per client stops that. People type far
// more slowly than this; programs that need more can ask for it.
const DefaultSendRate = 20

// SendRate sets how many messages a second each client may send on average,
// in bursts of up to twice that; 0 lifts the limit. A client over its rate
// loses nothing: the room reads its messages more slowly, so they wait in its
// own connection, and once that is full its sends wait too.
func SendRate(perSecond float64) Option {
	return func(r *Room) {
		r.sendRate = rate.Limit(perSecond)
		if perSecond <= 0 {
			r.sendRate = rate.Inf
		}
	}
}

// DefaultMaxConns is how many connections the room takes at once unless
// MaxConns says otherwise. Each costs a file descriptor and some memory;
// without a cap, a crowd of clients runs the process out of descriptors,
// and from then on new clients wait in silence while the server fails to
// accept them.
const DefaultMaxConns = 10_000

// MaxConns sets how many connections the room takes at once; beyond it, the
// handshake is refused with 503 (Service Unavailable).
func MaxConns(n int) Option { return func(r *Room) { r.maxConns = int64(n) } }

// The room's budget bounds the bytes queued for all the writers together, as
// the rate limit bounds what each client sends (see the budget package).
const (
	// roomBudget is how many bytes of deliveries may wait in all the
	// outboxes together. A message that goes to 100 clients counts 100
	// times, so the memory it stands for is less: the clients share one
	// copy.
	roomBudget = 32 << 20

	// maxQueuedBytes is how many bytes may wait for one client; a client
	// further behind is dropped as too slow. It is half the budget, so that
	// one client that stopped reading cannot use it all up and hold
	// everyone else back.
	maxQueuedBytes = roomBudget / 2
)

// New returns an empty room that logs to logger.
func New(logger *log.Logger, opts ...Option) *Room {
	r := &Room{
		log:      logger,
		clients:  make(map[int]*Client),
		sendRate: DefaultSendRate,
		maxConns: DefaultMaxConns,
		budget:   budget.New(roomBudget),
		badInput: ratelog.New(logger),
		refusals: ratelog.New(logger),
	}
	for _, opt := range opts {
		opt(r)
	}
	return r
}

// admit counts one more connection, unless the room already has as many as
// it takes. A connection admitted is counted until its client leaves, or
// until release if it never joins.
func (r *Room) admit() bool {
	if r.open.Add(1) > r.maxConns {
		r.open.Add(-1)
		return false
	}
	return true
}

// release forgets a connection admitted.
func (r *Room) release() { r.open.Add(-1) }

// join gives conn the next id, adds it to the room, tells the others, and
// starts the goroutines that serve it. It returns as soon as they are running:
// the caller (Handler) does not have to stay around. conn must have been
// admitted; the client's leaving releases it.
func (r *Room) join(conn *websocket.Conn) (*Client, error) {
	r.joining.Lock()
	defer r.joining.Unlock()

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	r.lastID++
	id := r.lastID
	c := newClient(r, id, conn)
	conn.SetReadLimit(maxMessageSize)
	if r.startPoller() {
		c.readOnReadiness()
	}
	if c.ready == nil {
		// readLoop's first deadline, set before anyone can stop the
		// client: a goodbye's shorter one must not be overwritten.
		_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	}
	c.pinger = time.AfterFunc(pingPeriod, c.ping)
	r.clients[id] = c
	r.running.Add(1)
	r.mu.Unlock()

	r.log.Printf("Client %d connected", id)
	r.Deliver(id, room.Connected(id))
	if c.ready == nil {
		go c.readLoop()
	} else if err := r.poller.add(c); err != nil {
		c.finish(fmt.Errorf("cannot watch the connection: %w", err))
	}
	return c, nil
}

// startPoller makes the room's poller, the first time it is called, and
// tells whether the room has one. Called with mu held.
func (r *Room) startPoller() bool {
	if !r.pollerTried {
		r.pollerTried = true
		p, err := newPoller()
		if err != nil {
			r.log.Printf("Reading every connection with a goroutine of its own: %v", err)
		}
		r.poller = p
		if p != nil {
			r.writers = newWriterPool()
		}
	}
	return r.poller != nil
}

// startWriters gives each of clients, which are owed a writer, one: the
// pool's workers where the room has them (with the poller), or else a
// goroutine of its own.
func (r *Room) startWriters(clients ...*Client) {
	if r.writers != nil {
		r.writers.start(clients...)
		return
	}
	for _, c := range clients {
		go c.writeLoop(nil)
	}
}

// leave removes c and tells the others. Only c's reader calls it, once.
func (r *Room) leave(c *Client) {
	r.mu.Lock()
	delete(r.clients, c.id)
	r.mu.Unlock()
	r.release()
	r.Deliver(c.id, room.Disconnected(c.id))
}

// broadcast is called by c's reader with a message c sent. It waits until
// the message's deliveries fit in the room's budget (see the budget package), and
// returns false, having delivered nothing, if c is stopped meanwhile. The
// writers it needs go in k, if not nil (see cork.go).
func (r *Room) broadcast(c *Client, m room.Message, k *cork) bool {
	data, err := room.Encode(m)
	if err != nil {
		r.log.Printf("Cannot encode %+v: %v", m, err)
		return true
	}
	return r.pass(c, data, []byte(m.Payload), k)
}

// pass is broadcast for a message already encoded as data, with payload
// its text.
func (r *Room) pass(c *Client, data, payload []byte, k *cork) bool {
	// The room may change while we wait: count for everyone now, and
	// correct the count once the message is queued.
	counted := int64((len(data) + 10) * max(r.Len()-1, 0)) // 10: the largest frame header
	if !r.takeBudget(counted, c, k) {
		return false
	}
	if !r.quiet {
		r.log.Printf("Client %d broadcast: %s", c.id, room.ForLog(string(payload)))
	}
	frame := textFrame(data)
	queued := r.deliver(c.id, frame, k)
	r.budget.Add(int64(queued*len(frame)) - counted)
	return true
}

// takeBudget waits until n bytes fit in the budget, or c is stopped (it
// then returns false). Only writers free the budget, so a corked turn
// starts the writers it holds back before it waits: it would otherwise
// wait for them itself.
func (r *Room) takeBudget(n int64, c *Client, k *cork) bool {
	if k != nil {
		if r.budget.TryTake(n) {
			return true
		}
		k.flush()
	}
	return r.budget.Take(n, c.stopped)
}

// Deliver queues m for every client in this room except the one with id from
// (the sender never gets its own message); the room's notices are sent with
// it. Deliver never waits: a client whose queue is full is disconnected
// instead (see Client.enqueue).
func (r *Room) Deliver(from int, m room.Message) {
	data, err := room.Encode(m)
	if err != nil {
		r.log.Printf("Cannot encode %+v: %v", m, err)
		return
	}
	frame := textFrame(data)
	queued := r.deliver(from, frame, nil)
	r.budget.Add(int64(queued * len(frame)))
}

// deliver queues a frame for everyone but from and returns for how many.
// The message is encoded and framed once, however many clients receive it:
// each outbox gets a pointer to the same bytes. Writers are started at
// once, or noted in k if it is not nil.
func (r *Room) deliver(from int, frame []byte, k *cork) (queued int) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for id, c := range r.clients {
		if id != from && c.enqueue(&frame, k) {
			queued++
		}
	}
	return queued
}

// Len returns how many clients are connected.
func (r *Room) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.clients)
}

// Close refuses new clients, sends every connected client a close frame
// (1001, going away) and waits until their goroutines have finished or ctx
// ends; connections still open then are cut.
func (r *Room) Close(ctx context.Context) {
	r.mu.Lock()
	r.closed = true
	clients := make([]*Client, 0, len(r.clients))
	for _, c := range r.clients {
		clients = append(clients, c)
	}
	r.mu.Unlock()

	for _, c := range clients {
		c.stop(websocket.CloseGoingAway, "server shutting down")
	}
	finished := make(chan struct{})
	go func() { r.running.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		for _, c := range clients {
			if c.ready != nil { // no reader to see the connection end
				c.finish(errCutOff)
			}
			c.conn.Close()
		}
		<-finished
	}
	r.mu.RLock()
	p, w := r.poller, r.writers
	r.mu.RUnlock()
	if p != nil {
		p.close()
		w.close()
	}
	r.badInput.Flush("bad messages")
	r.refusals.Flush("refused connections")
}
