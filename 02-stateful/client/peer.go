package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// connectTimeout bounds the TCP connect and the handshake together.
const connectTimeout = 5 * time.Second

// closeWait is how long we wait for the server to answer our close frame.
const closeWait = time.Second

// peer is one of the script's clients. Its reader goroutine prints every
// message as it arrives, like the notebook's on('message') handler, and also
// passes it to inbox so that the script can wait for it.
type peer struct {
	name  string // "Client 1": the script's name, not the id the server gave
	conn  *websocket.Conn
	inbox chan room.Message
	done  chan struct{} // closed when the reader has stopped
	err   error         // why the reader stopped, if not a normal close
}

// dial connects a peer and starts its reader.
func dial(url, name string, out *log.Logger) (*peer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			return nil, fmt.Errorf("%s refused the WebSocket handshake: %s", url, resp.Status)
		}
		return nil, fmt.Errorf("cannot connect to %s: %w", url, err)
	}
	p := &peer{
		name:  name,
		conn:  conn,
		inbox: make(chan room.Message, 64),
		done:  make(chan struct{}),
	}
	go p.read(out)
	return p, nil
}

// read is the only goroutine that reads from the connection.
func (p *peer) read(out *log.Logger) {
	defer close(p.done)
	defer close(p.inbox)
	for {
		_, data, err := p.conn.ReadMessage()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				p.err = err
			}
			return
		}
		var m room.Message
		if err := json.Unmarshal(data, &m); err != nil {
			out.Printf("%s received a message that is not JSON: %q", p.name, data)
			continue
		}
		out.Printf("%s received %s message: %s", p.name, m.Type, m.Payload)
		select {
		case p.inbox <- m:
		default: // nobody is waiting for that many; printing it is enough
		}
	}
}

// send writes one broadcast. The script's goroutine is the only writer.
func (p *peer) send(m room.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return p.conn.WriteMessage(websocket.TextMessage, data)
}

// await waits until the peer receives a message of type typ, skipping any
// others. It is how the script knows a step has really happened before
// taking the next one.
func (p *peer) await(typ string, timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-p.inbox:
			if !ok {
				return fmt.Errorf("%s lost its connection while waiting for a %s message: %v", p.name, typ, p.err)
			}
			if m.Type == typ {
				return nil
			}
		case <-deadline:
			return fmt.Errorf("%s received no %s message within %s", p.name, typ, timeout)
		}
	}
}

// close performs the closing handshake: a close frame (1000, normal closure),
// then the server's answer, which ends the reader. Dropping the connection
// without it would look like a crash (1006) to the server.
func (p *peer) close() error {
	defer p.conn.Close()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	// WriteControl may be called while the reader is reading.
	if err := p.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeWait)); err != nil {
		return fmt.Errorf("%s: close: %w", p.name, err)
	}
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("%s: closing handshake: %w", p.name, p.err)
		}
		return nil
	case <-time.After(closeWait):
		return fmt.Errorf("%s: the server did not answer the close frame within %s", p.name, closeWait)
	}
}
