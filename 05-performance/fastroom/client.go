package fastroom

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"example.com/wstutorial/02-stateful/room"
)

// Each limit guards against a client that misbehaves or disappears.
const (
	// maxMessageSize bounds what one client message may make us buffer;
	// gorilla has no limit by default. Larger messages get close code 1009.
	maxMessageSize = 64 * 1024

	// pongWait is how long a connection may stay silent. We ping well within
	// it, and any live peer answers pings by itself, so only a vanished peer
	// (cable pulled, laptop shut) runs into it.
	pongWait = 60 * time.Second

	// pingPeriod is how often we ping: a little under pongWait, so the pong
	// has time to come back.
	pingPeriod = pongWait * 9 / 10

	// writeWait bounds a single write. A client that stops reading fills its
	// TCP buffers and would otherwise block its writer forever.
	writeWait = 10 * time.Second

	// closeGrace is how long we wait for the other side's close frame after
	// sending ours, before cutting the connection.
	closeGrace = time.Second

	// sendQueue is how many messages may wait for a client's writer. A client
	// that falls this far behind is disconnected rather than slowing the room.
	// Healthy clients fall behind too, briefly, when many messages arrive at
	// once, so the queue is deep; it costs nothing while empty (see outbox.go).
	sendQueue = 1024
)

// CloseTooSlow is the close code a client gets when it cannot keep up
// (1008, policy violation).
const CloseTooSlow = websocket.ClosePolicyViolation

// Client is one connection in the room. One goroutine at a time reads from
// conn: on Linux the poller, during the connection's turns (readiness.go),
// elsewhere readLoop, for the connection's whole life. One writer at a time
// writes messages to it, and only while some are waiting in the outbox (see
// outbox.go): on Linux a worker of the room's pool (writers.go), or
// writeLoop when the client needs a goroutine of its own; everyone else
// talks to the writer through the outbox. Control frames (pings, pongs,
// close) are the exception: gorilla's WriteControl may run beside the
// writer, so a timer sends the pings, and batchConn keeps their bytes apart
// from the writer's (see batch.go).
type Client struct {
	id   int
	room *Room
	conn *websocket.Conn
	out  *outbox // messages waiting for the writer

	// batch is conn's network connection, which the writer writes the
	// room's frames to directly (see batch.go).
	batch *batchConn

	pinger *time.Timer // sends the next keepalive ping

	// ready is set when conn is read on readiness, by the poller's
	// turns (readiness.go), and nil when readLoop reads it.
	ready *readyState

	// limiter paces the client's own messages (see SendRate); nil when the
	// room sets no limit. Only readLoop uses it.
	limiter *rate.Limiter

	stopOnce   sync.Once
	stopped    chan struct{} // closed when the connection must end, for select
	stopping   atomic.Bool   // set with it, for isStopped: cheaper than a select
	finishOnce sync.Once     // see finish

	// users counts who is using conn: the reader, and the writer while
	// there is one (goroutines, or on Linux the poller's turns and the
	// pool's workers). The last to finish closes conn, so the writer's
	// last batch (which may hold the answer to the client's close frame)
	// is never cut off by the reader leaving first.
	users atomic.Int32
}

func newClient(r *Room, id int, conn *websocket.Conn) *Client {
	c := &Client{
		id:      id,
		room:    r,
		conn:    conn,
		out:     &outbox{},
		stopped: make(chan struct{}),
	}
	c.users.Store(1) // the reader
	if conn != nil {
		c.batch, _ = conn.NetConn().(*batchConn)
	}
	if r.sendRate != rate.Inf {
		c.limiter = rate.NewLimiter(r.sendRate, max(1, int(2*r.sendRate)))
	}
	return c
}

// ID returns the client's id in the room.
func (c *Client) ID() int { return c.id }

// enqueue hands a message to the client's writer without ever waiting,
// starting a writer if the client has none (or, if k is not nil, noting in
// the cork k that it needs one), and reports whether it did. If the outbox
// is full the client is too slow to keep up, and it is stopped: one stuck
// client must not hold up a broadcast to everyone else.
func (c *Client) enqueue(m *[]byte, k *cork) bool {
	if c.isStopped() {
		return false // on its way out: nothing more to send
	}
	added, startWriter := c.out.put(m)
	switch {
	case !added:
		c.stop(CloseTooSlow, "too slow")
	case startWriter:
		c.users.Add(1)
		c.room.running.Add(1)
		if k != nil {
			k.add(c) // started when the poller's batch is done
		} else {
			c.room.startWriters(c)
		}
	}
	return added
}

// stop asks the connection to end: no more messages are sent, and if code
// is not 0, a close frame with it. stop may be called from any goroutine, any
// number of times; only the first call counts.
func (c *Client) stop(code int, text string) {
	c.stopOnce.Do(func() {
		c.stopping.Store(true)
		close(c.stopped)
		if c.pinger != nil {
			c.pinger.Stop()
		}
		if code == CloseTooSlow {
			c.room.log.Printf("Client %d is too slow to keep up; disconnecting it (%d)", c.id, code)
			// The writer may be stuck in a write to this client: give that
			// write little time left. net.Conn methods are goroutine-safe.
			_ = c.conn.NetConn().SetWriteDeadline(time.Now().Add(closeGrace))
		}
		// stop may run inside a broadcast, which must not wait on this
		// client's connection: the goodbye goes out from a goroutine of its own.
		c.room.running.Add(1)
		go c.sayGoodbye(code, text)
	})
}

// sayGoodbye sends a close frame with code, if not 0, then makes sure the
// reader does not wait for ever on a client that may never send anything
// again: it has closeGrace to receive the answer to our close frame.
func (c *Client) sayGoodbye(code int, text string) {
	defer c.room.running.Done()
	if code != 0 {
		msg := websocket.FormatCloseMessage(code, text)
		_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeGrace))
	}
	if c.ready != nil {
		c.afterGoodbye() // no read to time out: a timer does it
		return
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(closeGrace))
}

// ping sends a keepalive ping and sets the timer for the next one. A live
// peer answers by itself, which moves the reader's deadline on. A client
// read on readiness has no read deadline: the ping checks instead that the
// client answered the last one, or sent anything since.
func (c *Client) ping() {
	if c.ready != nil && c.ready.unheardFor(pongWait) {
		c.finish(os.ErrDeadlineExceeded)
		return
	}
	if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
		c.stop(0, "")
		return
	}
	if !c.isStopped() {
		c.pinger.Reset(pingPeriod)
	}
}

// readLoop reads the client's messages until the connection ends, then
// removes the client from the room. Reading is also what answers pings and
// close frames, so it runs for the connection's whole life. Its first read
// deadline is set by join.
func (c *Client) readLoop() {
	c.conn.SetPongHandler(func(string) error {
		if c.isStopped() {
			return nil // a client on its way out: a pong does not put off the end
		}
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			c.finish(err)
			return
		}
		// A client on its way out is read only to hear its goodbye: what it
		// sent before is dropped, not let through without its limits.
		if !c.waitForTurn() || c.isStopped() {
			continue
		}
		c.handle(kind, data, nil)
	}
}

// finish is the end of the connection's reading, for the reason err: the
// client is stopped (its writer has nothing left to do) and leaves the
// room, and the connection closes once no writer needs it. The reader calls
// it, or, for a connection read on readiness, whoever sees the end first (a
// turn, a timer); only the first call counts.
func (c *Client) finish(err error) {
	c.finishOnce.Do(func() {
		c.room.log.Printf("Client %d disconnected%s", c.id, describeEnd(err))
		c.stop(0, "")
		if c.ready != nil {
			c.room.poller.remove(c) // before the connection closes
			c.ready.end()
		}
		c.room.leave(c)
		c.letGo()
		c.room.running.Done()
	})
}

// handle acts on one message from the client. Bad input is logged, at a
// bounded rate, and ignored: it never takes the server down, and costs no
// one else anything. A broadcast's writers are started now, or by k's
// flush if k is not nil (see cork.go).
func (c *Client) handle(kind int, data []byte, k *cork) {
	switch {
	case kind != websocket.TextMessage:
		c.room.badInput.Printf("Client %d sent a binary message (%d bytes); ignored", c.id, len(data))
	case !utf8.Valid(data):
		// A text frame must hold UTF-8 (RFC 6455); 1007 says it did not.
		c.room.log.Printf("Client %d sent text that is not UTF-8; disconnecting it (1007)", c.id)
		c.stop(websocket.CloseInvalidFramePayloadData, "text must be UTF-8")
	default:
		if payload, ok := sentAsEncoded(data); ok { // see asis.go
			c.room.pass(c, data, payload, k)
			return
		}
		m, err := room.ParseBroadcast(data)
		if err != nil {
			c.room.badInput.Printf("Client %d sent a bad message (%v); ignored", c.id, err)
			return
		}
		c.room.broadcast(c, m, k)
	}
}

// waitForTurn holds the reader back while the client sends faster than the
// room allows. Not reading is all it takes: the client's next messages wait
// in its TCP connection, and when that is full, its sends wait. Every
// message counts, good or bad, so bad input cannot flood the room either.
// A client being stopped ends the wait, and waitForTurn then returns false:
// the message must not go out.
func (c *Client) waitForTurn() bool {
	if c.limiter == nil {
		return true
	}
	delay := c.limiter.Reserve().Delay()
	if delay == 0 {
		return true
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-c.stopped:
		return false
	}
}

// letGo is called by the reader and each writer when they are done with
// conn; the last one closes it. The reader goes first as a rule: the client
// has gone, so a write still under way gets little time left.
func (c *Client) letGo() {
	if c.users.Add(-1) == 0 {
		c.conn.Close()
		return
	}
	if c.isStopped() { // not a writer that simply has nothing left to send
		_ = c.conn.NetConn().SetWriteDeadline(time.Now().Add(closeGrace))
	}
}

// describeEnd turns the error that ended a read into a few words for the log.
// A normal goodbye gets none: it is not an error.
func describeEnd(err error) string {
	var closeErr *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &closeErr) && isGoodbye(closeErr.Code):
		return ""
	case errors.As(err, &closeErr):
		// The reason is the client's text: quoted and cut like a message.
		return fmt.Sprintf(" (close code %d %s)", closeErr.Code, room.ForLog(closeErr.Text))
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla sends 1009 for a message over the limit, but drops a
		// connection whose frame claims a length no frame can have.
		return " (message over the size limit)"
	case errors.As(err, &netErr) && netErr.Timeout():
		return " (no answer to ping, or no reply to our close)"
	default:
		return " (abruptly: " + err.Error() + ")"
	}
}

// isGoodbye tells whether a close code means the client left on purpose.
// 1005 (no status) is what browsers and Node's ws send when close() is called
// without a code.
func isGoodbye(code int) bool {
	switch code {
	case websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived:
		return true
	}
	return false
}

// writeLoop is a client's own writer goroutine: it sends what waits in the
// outbox until the outbox is empty, then ends, so an idle client has none.
// It is how every client is written to on the plain path, and on Linux a
// client the pool's workers will not wait for (see writers.go).
//
// Whatever it takes from the outbox leaves the room's budget once written,
// or thrown away: a stopped client's writer empties the outbox without
// writing, so that nothing it held stays counted.
//
// batch, if not empty, is what to send first: messages a pool worker took
// from the outbox and left to this goroutine (see writers.go).
func (c *Client) writeLoop(batch []*[]byte) {
	defer c.room.running.Done()
	defer c.letGo()
	if len(batch) == 0 {
		batch = c.out.take(nil)
	}
	for len(batch) > 0 {
		if !c.isStopped() {
			if err := c.write(batch); err != nil {
				c.stop(0, "") // the connection is broken: stop taking messages
			}
		}
		c.room.budget.Release(int64(sizeOf(batch)))
		batch = c.out.take(batch)
	}
}

// sizeOf returns how many bytes msgs hold.
func sizeOf(msgs []*[]byte) int {
	n := 0
	for _, m := range msgs {
		n += len(*m)
	}
	return n
}

// write sends frames, oldest first, gathered into as few system calls as
// it can (see batch.go).
func (c *Client) write(frames []*[]byte) error {
	_ = c.batch.SetWriteDeadline(time.Now().Add(writeWait))
	return c.batch.writeFrames(frames)
}

func (c *Client) isStopped() bool {
	return c.stopping.Load()
}
