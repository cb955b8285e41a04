package room

import (
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

	// closeGrace is how long a client the room has removed has to answer
	// the close frame before its connection is cut.
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

	// done is closed when the room removes the client; bye, set just
	// before, is the close frame writePump then sends.
	done chan struct{}
	bye  []byte
}

// newClient sets up conn's read limit and deadline before either pump runs:
// set later by readPump, the first deadline could overwrite the short one
// that the room sets when it removes a client that has just joined.
func newClient(r *Room, id int, conn *websocket.Conn) *Client {
	c := &Client{id: id, room: r, conn: conn, send: make(chan []byte, sendQueue), done: make(chan struct{})}
	conn.SetReadLimit(maxMessageSize)
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		if c.removed() {
			return nil // a pong does not put off the end
		}
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	return c
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

// readPump reads the client's messages until the connection ends, then has
// the room let the client go. Reading is also what answers pings and close
// frames, so it runs for the connection's whole life. Bad input is logged and
// ignored: it never takes the server down, and costs no one else anything.
func (c *Client) readPump() {
	defer c.room.pumps.Done()
	defer c.conn.Close() // also ends a write that is stuck, and with it the write pump
	log := c.room.log
	for {
		kind, data, err := c.conn.ReadMessage()
		switch {
		case err != nil:
			c.room.leave(c, err)
			return
		case c.removed():
			// On its way out, the client is read only to hear its goodbye.
		case kind != websocket.TextMessage:
			log.Printf("Client %d sent a binary message (%d bytes); ignored", c.id, len(data))
		case !utf8.Valid(data):
			// A text frame must hold UTF-8 (RFC 6455); 1007 says it did not.
			log.Printf("Client %d sent text that is not UTF-8; disconnecting it (1007)", c.id)
			c.room.remove(c, websocket.CloseInvalidFramePayloadData, "text must be UTF-8")
		default:
			m, err := ParseBroadcast(data)
			if err != nil {
				log.Printf("Client %d sent a bad message (%v); ignored", c.id, err)
				continue
			}
			log.Printf("Client %d broadcast: %s", c.id, ForLog(m.Payload))
			c.room.relay.Publish(c.id, m)
		}
	}
}

// writePump sends the client its messages and a ping every pingPeriod, until
// the room removes the client; then it sends the close frame and ends.
func (c *Client) writePump() {
	defer c.room.pumps.Done()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		kind, data := websocket.PingMessage, []byte(nil) // unless a message comes
		select {
		case data = <-c.send:
			kind = websocket.TextMessage
		case <-ping.C: // time for the ping
		case <-c.done: // the goodbye, below
		}
		// When several cases are ready, select picks one at random, so it
		// may pick a queued message over done. Asking again here makes the
		// close frame the next thing the client gets once it is removed,
		// however many messages are still queued: otherwise each of them
		// could take writeWait to a client that reads slowly.
		if c.removed() {
			_ = c.conn.WriteControl(websocket.CloseMessage, c.bye, time.Now().Add(closeGrace))
			return
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.conn.WriteMessage(kind, data); err != nil {
			c.conn.Close() // broken: wakes readPump, which lets the client go
			return
		}
	}
}
