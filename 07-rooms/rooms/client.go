package rooms

import (
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
)

// The limits of lesson 2's client, for the same reasons (see its client.go).
const (
	maxMessageSize = 64 * 1024
	pongWait       = 60 * time.Second
	pingPeriod     = pongWait * 9 / 10
	writeWait      = 10 * time.Second
	closeGrace     = time.Second

	// sendQueue is how many live events may wait for a client's write pump;
	// a client this far behind is dropped. A resuming client's queue also
	// holds its replay, so it is that much longer.
	sendQueue = 256
)

// Client is one member of one room, in lesson 2's shape: readPump alone
// reads the connection, writePump alone writes it, and done (closed by the
// room) ends writePump. Lesson 2's client cannot be reused: it belongs to
// lesson 2's single room, whose events have no room and no seq.
type Client struct {
	id   int
	room *Room
	conn *websocket.Conn
	send chan []byte

	// after is the seq the client resumed from: an event at or below it is
	// one the client has already seen (on another instance, which may be
	// ahead of this one), so it is not sent again. Guarded by the room's mu.
	after uint64

	done      chan struct{}
	closeCode int // the close frame writePump sends once done is closed; 0 for none
	closeText string
}

func newClient(r *Room, id int, conn *websocket.Conn, replay int) *Client {
	c := &Client{id: id, room: r, conn: conn, send: make(chan []byte, sendQueue+replay), done: make(chan struct{})}
	conn.SetReadLimit(maxMessageSize)
	_ = conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		if c.removed() {
			return nil
		}
		return conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	return c
}

// queue hands data to the write pump without waiting; false if it is full.
func (c *Client) queue(data []byte) bool {
	select {
	case c.send <- data:
		return true
	default:
		return false
	}
}

// readPump reads until the connection ends, then takes the client out of
// its room.
func (c *Client) readPump() {
	defer c.room.srv.pumps.Done()
	defer c.conn.Close()
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			c.room.leave(c, describeEnd(err))
			return
		}
		if c.removed() {
			continue
		}
		switch {
		case kind != websocket.TextMessage:
			c.room.srv.log.Printf("Client %d sent a binary message; ignored", c.id)
		case !utf8.Valid(data):
			c.room.remove(c, websocket.CloseInvalidFramePayloadData, "text must be UTF-8")
		default:
			m, err := room.ParseBroadcast(data)
			if err != nil {
				c.room.srv.log.Printf("Client %d sent a bad message (%v); ignored", c.id, err)
				continue
			}
			c.room.broadcast(c.id, m)
		}
	}
}

// writePump writes the client's events and pings until the room removes the
// client, then sends the close frame, if any.
func (c *Client) writePump() {
	defer c.room.srv.pumps.Done()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case data := <-c.send:
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
				c.conn.Close()
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.conn.Close()
				return
			}
		case <-c.done:
			if c.closeCode != 0 {
				bye := websocket.FormatCloseMessage(c.closeCode, c.closeText)
				_ = c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeGrace))
			}
			_ = c.conn.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
			return
		}
	}
}

func (c *Client) removed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// describeEnd says in a few words why a connection ended; nothing for a
// normal goodbye.
func describeEnd(err error) string {
	var closeErr *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &closeErr) && (closeErr.Code == websocket.CloseNormalClosure ||
		closeErr.Code == websocket.CloseGoingAway || closeErr.Code == websocket.CloseNoStatusReceived):
		return ""
	case errors.As(err, &closeErr):
		return fmt.Sprintf(" (close code %d)", closeErr.Code)
	case errors.As(err, &netErr) && netErr.Timeout():
		return " (no answer to ping, or no reply to our close)"
	default:
		return " (abruptly: " + err.Error() + ")"
	}
}
