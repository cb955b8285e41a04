package rooms

import (
	"errors"
	"fmt"
	"net"
	"time"
	"unicode/utf8"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// The limits of lesson 2's client, for the same reasons (see its client.go);
// the longest message is the history's (Limits.MaxMessage).
const (
	pongWait   = 60 * time.Second
	pingPeriod = pongWait * 9 / 10
	writeWait  = 10 * time.Second
	closeGrace = time.Second

	// sendQueue is how many live events may wait for a client's write pump;
	// a client this far behind is dropped. A client's replay is not queued:
	// the write pump reads it from the history as it writes it.
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
	// limiter paces the client's messages (Options.SendRate); nil for no
	// limit. Only readPump uses it.
	limiter *rate.Limiter

	// since and after bound the client's replay, the stored events it is
	// owed before the live ones: those after since, up to and including
	// after (see Room.admit). A live event at or below after is one the
	// replay covers (and the instance the client left may be ahead of this
	// one), so it is not sent again. Set before the client is a member.
	since, after uint64
	resumed      bool // since came from the client, and may be out of the history's reach

	done      chan struct{}
	closeCode int // the close frame writePump sends once done is closed; 0 for none
	closeText string
}

func newClient(r *Room, id int, conn *websocket.Conn) *Client {
	c := &Client{id: id, room: r, conn: conn, send: make(chan []byte, sendQueue), done: make(chan struct{})}
	if perSecond := r.srv.opts.SendRate; perSecond > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(perSecond), max(1, int(2*perSecond)))
	}
	conn.SetReadLimit(int64(r.srv.history.MaxMessage()))
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
		if !c.waitForTurn() || c.removed() {
			continue // a client taken out of its room says nothing more
		}
		switch {
		case kind != websocket.TextMessage:
			c.room.srv.badInput.Printf("Client %d sent a binary message; ignored", c.id)
		case !utf8.Valid(data):
			c.room.remove(c, websocket.CloseInvalidFramePayloadData, "text must be UTF-8")
		default:
			m, err := room.ParseBroadcast(data)
			if err != nil {
				c.room.srv.badInput.Printf("Client %d sent a bad message (%v); ignored", c.id, err)
				continue
			}
			c.room.broadcast(c.id, m)
		}
	}
}

// waitForTurn holds the read pump back while the client sends faster than
// its rate. Every message counts, good or bad. Not reading is all it takes:
// the next messages wait in the connection, and once that is full, the
// client's sends wait. The wait ends early, with false, if the client is
// taken out of its room: what it sent is then dropped, to the last message.
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
	case <-c.done:
		return false
	}
}

// writePump writes the client's replay, then its live events and pings
// until the room removes the client, then sends the close frame, if any.
func (c *Client) writePump() {
	defer c.room.srv.pumps.Done()
	if err := c.replay(); err != nil {
		c.room.srv.failures.Printf("Client %d: replay of room %s failed: %v", c.id, c.room.name, err)
		c.conn.Close()
		return
	}
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case data := <-c.send:
			if err := c.write(data); err != nil {
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

// replay writes the stored events of the room after c.since, up to
// c.after, but those the client sent itself, reading them from the history
// one at a time as it writes them: a long history costs one event of memory,
// not a copy of it per client. A client that does not read makes a write
// wait until its socket's buffers are full, and is cut off after writeWait.
// Live events meanwhile wait in the queue, behind room:joined.
func (c *Client) replay() error {
	history, name := c.room.srv.history, c.room.name
	if c.resumed && c.since > 0 { // since 0 asks for all there is: never truncated
		ok, err := history.Reaches(name, c.since)
		if err != nil {
			return err
		}
		if !ok {
			if err := c.write(truncated(name, c.since)); err != nil {
				return err
			}
		}
	}
	for pos := c.since; pos < c.after && !c.removed(); {
		ev, err := history.After(name, pos)
		if err != nil {
			return err
		}
		if ev == nil || ev.seq > c.after {
			return nil // the rest comes live
		}
		pos = ev.seq
		if ev.from == c.id {
			continue
		}
		if err := c.write(ev.encode(name)); err != nil {
			return err
		}
	}
	return nil
}

// write writes one event, within writeWait.
func (c *Client) write(data []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	return c.conn.WriteMessage(websocket.TextMessage, data)
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
