package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// goClient is a Go program in the room next to the browser pages, like the
// lesson-2 client: it sends no Origin header, and the server lets it in.
type goClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialGo(t *testing.T, addr string) *goClient {
	t.Helper()
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatalf("Go client: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &goClient{t: t, conn: conn}
}

func (c *goClient) broadcast(text string) {
	c.t.Helper()
	data, err := json.Marshal(room.Message{Type: room.TypeBroadcast, Payload: text})
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.conn.WriteMessage(websocket.TextMessage, data); err != nil {
		c.t.Fatalf("Go client: send: %v", err)
	}
}

// leave says goodbye properly (close 1000) and waits for the server's
// answer, so the room sees a normal disconnect.
func (c *goClient) leave() {
	c.t.Helper()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second)); err != nil {
		c.t.Fatalf("Go client: close: %v", err)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(serverTimeout))
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				c.t.Fatalf("Go client: closing handshake: %v", err)
			}
			return
		}
	}
}
