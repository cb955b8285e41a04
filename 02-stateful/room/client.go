package room

import (
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Each limit guards against a client that misbehaves or disappears.
const (
	// maxMessageSize bounds what one message may make the server buffer;
	// gorilla sets no limit by default. A larger one is refused with 1009.
	maxMessageSize = 64 * 1024

	// pongWait is how long a connection may stay silent. We ping well within
	// it and a live peer answers pings by itself, so only a peer that has
	// vanished (cable pulled, laptop shut) runs into it.
	pongWait = 60 * time.Second

	// pingPeriod is how often we ping: a little under pongWait, so the pong
	// has time to come back.
	pingPeriod = pongWait * 9 / 10

	// writeWait bounds one write. A client that stops reading fills its TCP
	// buffers, and a write to it would otherwise block for ever.
	writeWait = 10 * time.Second

	// closeGrace is how long we wait for the answer to our close frame
	// before cutting the connection.
	closeGrace = time.Second

	// sendQueue is how many messages may wait for a client's write pump. A
	// client this far behind is dropped rather than allowed to slow the room.
	sendQueue = 256
)

// CloseTooSlow is the close code a client gets when it cannot keep up
// (1008, policy violation).
const CloseTooSlow = websocket.ClosePolicyViolation

// Client is one connection in the room, served by two goroutines. gorilla
// allows one reader and one writer at a time on a connection, so readPump is
// the only goroutine that reads it and writePump the only one that writes it.
// Everyone else hands messages to writePump through the send channel.
type Client struct {
	id   int
	room *Room
	conn *websocket.Conn
	send chan []byte // encoded messages waiting for writePump

	// done is closed by the room when it removes the client. closeCode and
	// closeText, set just before, say what close frame writePump sends
	// (none when closeCode is 0: the client has already gone).
	done      chan struct{}
	closeCode int
	closeText string
}

// newClient sets up conn's read limit and deadline before either pump runs:
// set later by readPump, the first deadline could overwrite the short one the
// write pump sets when it says goodbye to a client that has just joined.
func newClient(r *Room, id int, conn *websocket.Conn) *Client {
	c := &Client{
		id:   id,
		room: r,
		conn: conn,
		send: make(chan []byte, sendQueue),
		done: make(chan struct{}),
	}
	conn.SetReadLimit(maxMessageSize)
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		if c.removed() {
			return nil // a pong does not put off the goodbye
		}
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	return c
}

// queue hands data to the write pump without waiting, and reports false if
// the queue is full. The room holds its lock while it calls queue, so it
// never sends on send after done is closed.
func (c *Client) queue(data []byte) bool {
	select {
	case c.send <- data:
		return true
	default:
		return false
	}
}

// readPump reads the client's messages until the connection ends, then
// removes the client from the room. Reading is also what answers pings and
// close frames, so it runs for the connection's whole life.
func (c *Client) readPump() {
	defer c.room.pumps.Done()
	defer c.conn.Close()
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			c.room.leave(c, describeEnd(err))
			return
		}
		if c.removed() {
			continue // on its way out: read only to hear the goodbye
		}
		c.handle(kind, data)
	}
}

// handle acts on one message from the client. Bad input is logged and
// ignored: it never takes the server down, and costs no one else anything.
func (c *Client) handle(kind int, data []byte) {
	switch {
	case kind != websocket.TextMessage:
		c.room.log.Printf("Client %d sent a binary message (%d bytes); ignored", c.id, len(data))
	case !utf8.Valid(data):
		// A text frame must hold UTF-8 (RFC 6455); 1007 says it did not.
		c.room.log.Printf("Client %d sent text that is not UTF-8; disconnecting it (1007)", c.id)
		c.room.remove(c, websocket.CloseInvalidFramePayloadData, "text must be UTF-8")
	default:
		m, err := ParseBroadcast(data)
		if err != nil {
			c.room.log.Printf("Client %d sent a bad message (%v); ignored", c.id, err)
			return
		}
		c.room.broadcast(c.id, m)
	}
}

// writePump sends the client its messages and a ping every pingPeriod, until
// the room removes the client; then it sends the close frame, if any.
func (c *Client) writePump() {
	defer c.room.pumps.Done()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case data := <-c.send:
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
				c.conn.Close() // broken: wakes readPump, which removes the client
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.conn.Close()
				return
			}
		case <-c.done:
			c.sayGoodbye()
			return
		}
	}
}

// sayGoodbye sends the close frame the room asked for, and gives readPump
// closeGrace to read the answer: a client that never answers must not keep
// the connection open.
func (c *Client) sayGoodbye() {
	if c.closeCode != 0 {
		bye := websocket.FormatCloseMessage(c.closeCode, c.closeText)
		_ = c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeGrace))
	}
	// The net.Conn's deadline, which any goroutine may set; gorilla's own
	// SetReadDeadline belongs to the reader.
	_ = c.conn.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
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

// describeEnd turns the error that ended a read into a few words for the log.
// A normal goodbye gets none: it is not an error.
func describeEnd(err error) string {
	var closeErr *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &closeErr) && isGoodbye(closeErr.Code):
		return ""
	case errors.As(err, &closeErr):
		return fmt.Sprintf(" (close code %d %s)", closeErr.Code, ForLog(closeErr.Text))
	case errors.Is(err, websocket.ErrReadLimit):
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
