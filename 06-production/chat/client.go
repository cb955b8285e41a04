package chat

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Each limit guards against a client that misbehaves or disappears.
const (
	// maxMessageSize bounds one message. Chat lines are short; a larger
	// message is refused with 1009 before it is buffered.
	maxMessageSize = 8 * 1024

	// writeWait bounds one write, so a client that stops reading cannot
	// block its write pump for ever.
	writeWait = 10 * time.Second

	// closeGrace is how long we wait for the answer to our close frame.
	closeGrace = time.Second

	// sendQueue is how many messages may wait for one client. A client this
	// far behind is dropped.
	sendQueue = 256
)

// outgoing is one encoded message on its way to the clients, with the time it
// entered the room, for the delivery-time metric.
type outgoing struct {
	data   []byte
	queued time.Time
}

// Client is one connection in the room. readPump alone reads the connection
// and writePump alone writes it (gorilla allows one of each at a time);
// everyone else hands messages to writePump through send.
type Client struct {
	name    string
	room    *Room
	conn    *websocket.Conn
	send    chan *outgoing
	limiter *rate.Limiter

	// done is closed by the room when it removes the client; closeCode and
	// closeText, set just before, are the close frame writePump sends (none
	// when closeCode is 0: the client has gone already).
	done      chan struct{}
	closeCode int
	closeText string
}

// newClient sets up conn's read limit, deadline and pong handler before
// either pump runs: set later by readPump, the first deadline could overwrite
// the short one that sayGoodbye sets for a client removed as soon as it came.
func newClient(r *Room, conn *websocket.Conn, name string) *Client {
	c := &Client{
		name:    name,
		room:    r,
		conn:    conn,
		send:    make(chan *outgoing, sendQueue),
		limiter: newLimiter(r.limits.Rate),
		done:    make(chan struct{}),
	}
	conn.SetReadLimit(maxMessageSize)
	_ = conn.SetReadDeadline(time.Now().Add(c.pongWait()))
	conn.SetPongHandler(func(string) error {
		// Once removed, the client has closeGrace to answer the close
		// frame. A pong, which a client may send unasked whenever it
		// likes, must not put that off: it would keep the connection,
		// and its seat, for as long as the client kept sending them.
		if c.removed() {
			return nil
		}
		return conn.SetReadDeadline(time.Now().Add(c.pongWait()))
	})
	return c
}

// newLimiter returns a client's rate limiter: perSecond messages a second,
// and bursts of twice as many, for a reader who sends a few lines at once.
func newLimiter(perSecond rate.Limit) *rate.Limiter {
	if perSecond <= 0 {
		return rate.NewLimiter(rate.Inf, 0)
	}
	return rate.NewLimiter(perSecond, max(1, int(2*perSecond)))
}

// pongWait is how long a connection may stay without a pong: two ping
// periods, so that a peer has a whole period to answer each ping (a slow
// network, a busy proxy), and one that has vanished is let go soon after.
func (c *Client) pongWait() time.Duration { return 2 * c.room.limits.PingPeriod }

// queue hands msg to the write pump without waiting, and reports false if the
// queue is full. The room holds its lock while it calls queue. The bytes are
// counted in the room's budget before the write pump can see them, so that
// they are never released before they are counted.
func (c *Client) queue(msg *outgoing) bool {
	size := int64(len(msg.data))
	c.room.budget.Add(size)
	select {
	case c.send <- msg:
		c.room.metrics.Queued.Inc()
		return true
	default:
		c.room.budget.Release(size)
		return false
	}
}

// unqueue counts msg off the queue-depth metric and the room's budget, once it
// is written or thrown away.
func (c *Client) unqueue(msg *outgoing) {
	c.room.metrics.Queued.Dec()
	c.room.budget.Release(int64(len(msg.data)))
}

// discardQueue throws away what is left in the send queue: it will never be
// sent. Only called once the client has left the room's map, so nothing is
// queued after it; the write pump may still take a last message meanwhile,
// and then unqueues it itself.
func (c *Client) discardQueue() {
	for {
		select {
		case msg := <-c.send:
			c.unqueue(msg)
		default:
			return
		}
	}
}

// readPump reads the client's messages until the connection ends, then
// takes the client out of the room and gives back its seat.
func (c *Client) readPump() {
	defer c.room.pumps.Done()
	defer c.room.LeaveSeat()
	defer c.conn.Close()
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			c.room.leave(c, describeEnd(err))
			return
		}
		// The rate limit holds for every message, to the last: a client
		// that is being dropped does not get to pour out what it has
		// buffered meanwhile. Its messages are still read, to hear the
		// close frame, but no longer passed on.
		if !c.waitTurn() {
			continue
		}
		c.handle(kind, data)
	}
}

// waitTurn waits until the client may send another message, and reports
// false if the client was removed from the room meanwhile (or before).
// Waiting here, instead of refusing the message, slows the client down: we
// read no further, its messages pile up in TCP buffers, and TCP tells it to
// stop sending.
func (c *Client) waitTurn() bool {
	reservation := c.limiter.Reserve()
	wait := time.NewTimer(reservation.Delay())
	defer wait.Stop()
	select {
	case <-wait.C:
		return !c.removed()
	case <-c.done:
		return false
	}
}

// handle acts on one message. Bad input is logged, at a bounded rate, and
// ignored: it costs no one else anything.
func (c *Client) handle(kind int, data []byte) {
	switch {
	case kind != websocket.TextMessage:
		c.room.noisy.Printf("binary", "%s sent a binary message (%d bytes); ignored", c.name, len(data))
	case !utf8.Valid(data):
		c.room.noisy.Printf("utf8", "%s sent text that is not UTF-8; disconnecting them (1007)", c.name)
		c.room.remove(c, websocket.CloseInvalidFramePayloadData, "text must be UTF-8")
	default:
		m, err := room.ParseBroadcast(data)
		if err != nil {
			c.room.noisy.Printf("bad", "%s sent a bad message (%v); ignored", c.name, err)
			return
		}
		c.room.broadcast(c, m)
	}
}

// writePump writes the client's messages and a ping every ping period until
// the room removes the client; then it says goodbye.
func (c *Client) writePump() {
	defer c.room.pumps.Done()
	ping := time.NewTicker(c.room.limits.PingPeriod)
	defer ping.Stop()
	for {
		select {
		case msg := <-c.send:
			if c.removed() {
				// Both cases were ready and select picked this one: the
				// goodbye comes first, not the rest of the queue.
				c.unqueue(msg)
				c.sayGoodbye()
				return
			}
			err := c.write(msg)
			c.unqueue(msg) // only now: a write that is stuck still holds its bytes
			if err != nil {
				c.fail()
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.fail()
				return
			}
		case <-c.done:
			c.sayGoodbye()
			return
		}
	}
}

// write writes one message, within writeWait.
func (c *Client) write(msg *outgoing) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	if err := c.conn.WriteMessage(websocket.TextMessage, msg.data); err != nil {
		return err
	}
	c.room.metrics.MessagesOut.Inc()
	c.room.metrics.DeliveryTime.Observe(time.Since(msg.queued).Seconds())
	return nil
}

// sayGoodbye sends the close frame the room asked for, if any, and gives
// readPump closeGrace to read the answer: a client that never answers must
// not keep the connection open.
func (c *Client) sayGoodbye() {
	c.discardQueue()
	if c.closeCode != 0 {
		bye := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		_ = c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeGrace))
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(closeGrace))
}

// fail ends a client whose connection could not be written to. It leaves the
// room at once, so that nothing more is queued for it and its read pump stops
// waiting for its turn or for the budget, and the connection is cut, which
// ends the read pump.
func (c *Client) fail() {
	c.room.remove(c, 0, "")
	c.cut()
}

// cut ends the connection at once. Closing a TLS connection the polite way
// first sends the peer a close_notify alert, and waits up to 5 seconds for
// it to be written; to a client that stopped reading, it never is. So cut
// closes the TCP connection underneath instead.
func (c *Client) cut() {
	conn := c.conn.NetConn()
	if tlsConn, ok := conn.(*tls.Conn); ok {
		conn = tlsConn.NetConn()
	}
	conn.Close()
}

// removed reports whether the room has removed the client.
func (c *Client) removed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// describeEnd turns the error that ended a read into a few words for the log;
// a normal goodbye gets none.
func describeEnd(err error) string {
	var closeErr *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &closeErr) && isGoodbye(closeErr.Code):
		return ""
	case errors.As(err, &closeErr):
		return fmt.Sprintf(" (close code %d %s)", closeErr.Code, room.ForLog(closeErr.Text))
	case errors.Is(err, websocket.ErrReadLimit):
		return " (message over the size limit)"
	case errors.As(err, &netErr) && netErr.Timeout():
		return " (no answer to ping, or no reply to our close)"
	default:
		return " (abruptly)"
	}
}

// isGoodbye tells whether a close code means the client left on purpose.
func isGoodbye(code int) bool {
	switch code {
	case websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived:
		return true
	}
	return false
}
