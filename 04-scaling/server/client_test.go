package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// wsClient is a test's client of one instance. A goroutine records every
// message it receives; the test waits for what it expects with a deadline.
type wsClient struct {
	t    *testing.T
	name string
	id   int // the id the cluster gave it, once the test has learnt it
	conn *websocket.Conn

	mu      sync.Mutex
	msgs    []room.Message
	ended   bool          // the connection has ended
	endErr  error         // how it ended
	changed chan struct{} // closed and replaced whenever something happens
}

func dialClient(t *testing.T, addr, name string) *wsClient {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr, nil)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, addr, err)
	}
	c := &wsClient{t: t, name: name, conn: conn, changed: make(chan struct{})}
	t.Cleanup(func() { conn.Close() })
	go c.read()
	return c
}

func (c *wsClient) read() {
	for {
		_, data, err := c.conn.ReadMessage()
		c.mu.Lock()
		if err != nil {
			c.ended, c.endErr = true, err
		} else {
			var m room.Message
			if jerr := json.Unmarshal(data, &m); jerr != nil {
				m = room.Message{Type: "not JSON", Payload: string(data)}
			}
			c.msgs = append(c.msgs, m)
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitUntil waits until ok, given every message received so far, is true.
func (c *wsClient) waitUntil(what string, timeout time.Duration, ok func([]room.Message) bool) {
	c.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		done, ended, changed := ok(c.msgs), c.ended, c.changed
		msgs := slices.Clone(c.msgs)
		c.mu.Unlock()
		if done {
			return
		}
		if ended {
			c.t.Fatalf("%s: connection ended (%v) while waiting for %s; received %v", c.name, c.endErr, what, msgs)
		}
		select {
		case <-changed:
		case <-deadline.C:
			c.t.Fatalf("%s: no %s within %s; received %d messages: %v", c.name, what, timeout, len(msgs), msgs)
		}
	}
}

// waitFor waits until m has been received.
func (c *wsClient) waitFor(m room.Message, timeout time.Duration) {
	c.t.Helper()
	c.waitUntil(fmt.Sprintf("%v", m), timeout, func(msgs []room.Message) bool {
		return slices.Contains(msgs, m)
	})
}

// waitEnd waits for the connection to end and returns its close code.
func (c *wsClient) waitEnd(timeout time.Duration) int {
	c.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ended, err, changed := c.ended, c.endErr, c.changed
		c.mu.Unlock()
		if ended {
			if ce, ok := err.(*websocket.CloseError); ok {
				return ce.Code
			}
			return websocket.CloseAbnormalClosure
		}
		select {
		case <-changed:
		case <-deadline.C:
			c.t.Fatalf("%s: still connected after %s", c.name, timeout)
		}
	}
}

func (c *wsClient) received() []room.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}

func (c *wsClient) say(text string) {
	c.t.Helper()
	data, _ := json.Marshal(room.Message{Type: room.TypeBroadcast, Payload: text})
	if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		c.t.Fatalf("%s: send: %v", c.name, err)
	}
}

// leave closes the connection properly and waits for the server's answer.
func (c *wsClient) leave(timeout time.Duration) {
	c.t.Helper()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(timeout)); err != nil {
		c.t.Fatalf("%s: close: %v", c.name, err)
	}
	if code := c.waitEnd(timeout); code != websocket.CloseNormalClosure {
		c.t.Fatalf("%s: closing handshake ended with %d", c.name, code)
	}
}

func broadcast(text string) room.Message {
	return room.Message{Type: room.TypeBroadcast, Payload: text}
}
