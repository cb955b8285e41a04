// Package roomclient is a Go client of the lesson-2 room: connect, send
// broadcasts, wait for what the room sends, and leave with a proper closing
// handshake. The lesson-2 script uses it, and lesson 3's drive program too.
package roomclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

const (
	// connectTimeout bounds the TCP connect and the handshake together.
	connectTimeout = 5 * time.Second
	// closeWait is how long Close waits for the server to answer its close
	// frame.
	closeWait = 2 * time.Second
	// inboxSize is how many messages may wait for Await; more than a script
	// waits for. Beyond it, messages still reach the onMessage callback.
	inboxSize = 64
)

// Conn is one client in the room. Its reader goroutine is the only one that
// reads from the connection; the goroutine that calls Send and Close is the
// only one that writes to it.
type Conn struct {
	conn   *websocket.Conn
	inbox  chan room.Message
	done   chan struct{} // closed when the reader has stopped
	err    error         // why the reader stopped, if not a normal close
	closed bool          // Close has been called
}

// Dial connects to the room at url and returns once the connection is open
// (the browser's and Node's 'open' event). onMessage, if not nil, is called
// by the reader goroutine with every message as it arrives, like an
// on('message') handler; the lesson-2 script prints from it.
func Dial(url string, onMessage func(room.Message)) (*Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		switch {
		case errors.Is(err, websocket.ErrBadHandshake) && resp != nil && resp.StatusCode == http.StatusOK:
			// A web page, such as lesson 3's, which serves its WebSocket at /ws.
			return nil, fmt.Errorf("%s answered with a web page, not a WebSocket; is the WebSocket at %s/ws?", url, strings.TrimSuffix(url, "/"))
		case errors.Is(err, websocket.ErrBadHandshake) && resp != nil:
			return nil, fmt.Errorf("%s refused the WebSocket handshake: %s", url, resp.Status)
		}
		return nil, fmt.Errorf("cannot connect to %s: %w", url, err)
	}
	c := &Conn{
		conn:  conn,
		inbox: make(chan room.Message, inboxSize),
		done:  make(chan struct{}),
	}
	go c.read(onMessage)
	return c, nil
}

// read reads until the connection ends.
func (c *Conn) read(onMessage func(room.Message)) {
	defer close(c.done)
	defer close(c.inbox)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			switch {
			case websocket.IsCloseError(err, websocket.CloseNormalClosure):
			case websocket.IsCloseError(err, websocket.CloseGoingAway):
				c.err = errors.New("the server shut down")
			default:
				c.err = fmt.Errorf("lost the connection: %w", err)
			}
			return
		}
		var m room.Message
		if err := json.Unmarshal(data, &m); err != nil {
			m = room.Message{Type: "(not JSON)", Payload: string(data)}
		}
		if onMessage != nil {
			onMessage(m)
		}
		select {
		case c.inbox <- m:
		default: // nobody is waiting for that many
		}
	}
}

// Send sends one broadcast.
func (c *Conn) Send(payload string) error {
	data, err := json.Marshal(room.Message{Type: room.TypeBroadcast, Payload: payload})
	if err != nil {
		return err
	}
	if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		select {
		case <-c.done: // the connection has ended: say why, if we know
			if c.err != nil {
				return fmt.Errorf("send: %w", c.err)
			}
		default:
		}
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// Await waits until a message of type typ arrives, skipping any others, and
// returns it. It is how a script knows that a step has really happened
// before it takes the next one.
func (c *Conn) Await(typ string, timeout time.Duration) (room.Message, error) {
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-c.inbox:
			if !ok {
				return room.Message{}, fmt.Errorf("waiting for a %s message: %v", typ, c.err)
			}
			if m.Type == typ {
				return m, nil
			}
		case <-deadline:
			return room.Message{}, fmt.Errorf("received no %s message within %s", typ, timeout)
		}
	}
}

// Close performs the closing handshake: a close frame (1000, normal
// closure), then the server's answer, which ends the reader. Dropping the
// connection without it would look like a crash (1006) to the server.
// Calling Close again does nothing, so a program can defer it for the case
// where it fails before its own Close.
func (c *Conn) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	defer c.conn.Close()
	select {
	case <-c.done: // the server has ended the connection already
		return c.err
	default:
	}
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	// WriteControl may be called while the reader is reading.
	if err := c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeWait)); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	select {
	case <-c.done:
		if c.err != nil {
			return fmt.Errorf("closing handshake: %w", c.err)
		}
		return nil
	case <-time.After(closeWait):
		return fmt.Errorf("the server did not answer the close frame within %s", closeWait)
	}
}
