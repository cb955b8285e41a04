package main

import (
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// closeWait is how long the Go client waits for the server to answer its
// close frame.
const closeWait = 2 * time.Second

// goClient is the Go program in the room: a WebSocket connection that drive
// reads only when it waits for something, as lesson 2's staged client does.
type goClient struct{ conn *websocket.Conn }

// dialRoom connects to the room at url; it returns once the connection is
// open.
func dialRoom(url string) (*goClient, error) {
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		if resp != nil { // the server answered, but not with a WebSocket
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return nil, fmt.Errorf("the Go client cannot connect to %s: %w", url, err)
	}
	return &goClient{conn}, nil
}

// await reads until a message of type typ arrives, skipping any others, and
// returns it.
func (c *goClient) await(typ string, timeout time.Duration) (room.Message, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	for {
		var m room.Message
		if err := c.conn.ReadJSON(&m); err != nil {
			return room.Message{}, fmt.Errorf("waiting for a %s message: %w", typ, err)
		}
		if m.Type == typ {
			return m, nil
		}
	}
}

// send sends one broadcast.
func (c *goClient) send(payload string) error {
	return c.conn.WriteJSON(room.Message{Type: room.TypeBroadcast, Payload: payload})
}

// close performs the closing handshake: a close frame (1000), then the
// server's answer, so that the server sees a goodbye, not a dropped
// connection.
func (c *goClient) close() error {
	defer c.conn.Close()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := c.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeWait)); err != nil {
		return err
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(closeWait))
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil { // the answer ends the connection
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return nil
			}
			return fmt.Errorf("closing handshake: %w", err)
		}
	}
}
