package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

const (
	// connectTimeout bounds the TCP connect and the handshake together.
	connectTimeout = 5 * time.Second
	// deliveryTimeout is how long the Go client waits for a message the
	// page has sent; generous, for a loaded machine.
	deliveryTimeout = 20 * time.Second
	// closeWait is how long we wait for the server to answer our close frame.
	closeWait = 2 * time.Second
)

// goClient is a Go program in the room, shaped like the lesson-2 client: a
// reader goroutine hands what arrives to inbox; everything else (send,
// close) happens on the caller's goroutine, the only writer. Unlike the
// lesson-2 client it does not print from the reader: the caller prints what
// await returns, so the transcript's order does not depend on which
// goroutine runs first.
type goClient struct {
	conn  *websocket.Conn
	inbox chan room.Message
	done  chan struct{} // closed when the reader has stopped
	err   error         // why the reader stopped, if not a normal close
}

func dial(url string) (*goClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			return nil, fmt.Errorf("%s refused the WebSocket handshake: %s", url, resp.Status)
		}
		return nil, fmt.Errorf("cannot connect to %s: %w", url, err)
	}
	c := &goClient{conn: conn, inbox: make(chan room.Message, 16), done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *goClient) read() {
	defer close(c.done)
	defer close(c.inbox)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				c.err = err
			}
			return
		}
		var m room.Message
		if err := json.Unmarshal(data, &m); err != nil {
			continue // the room only sends JSON; nothing to wait for here
		}
		select {
		case c.inbox <- m:
		default: // nobody waits for that many; printing it is enough
		}
	}
}

func (c *goClient) send(m room.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("send from the Go client: %w", err)
	}
	return nil
}

// await waits until a message of type typ arrives, skipping others, and
// returns it.
func (c *goClient) await(typ string) (room.Message, error) {
	deadline := time.After(deliveryTimeout)
	for {
		select {
		case m, ok := <-c.inbox:
			if !ok {
				return room.Message{}, fmt.Errorf("the Go client lost its connection while waiting for a %s message: %v", typ, c.err)
			}
			if m.Type == typ {
				return m, nil
			}
		case <-deadline:
			return room.Message{}, fmt.Errorf("the Go client received no %s message within %s", typ, deliveryTimeout)
		}
	}
}

// close sends a close frame (1000) and waits for the server's answer, so the
// room sees a normal goodbye.
func (c *goClient) close() error {
	defer c.conn.Close()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeWait)); err != nil {
		return fmt.Errorf("close the Go client: %w", err)
	}
	select {
	case <-c.done:
		if c.err != nil {
			return fmt.Errorf("the Go client's closing handshake: %w", c.err)
		}
		return nil
	case <-time.After(closeWait):
		return fmt.Errorf("the server did not answer the Go client's close frame within %s", closeWait)
	}
}
