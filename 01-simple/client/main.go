// Command client is the Go version of the notebook's simple-client.js: it
// connects, sends one text message and closes the connection properly.
//
//	go run ./01-simple/client
//	go run ./01-simple/client -url ws://127.0.0.1:40123
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gorilla/websocket"
)

// The message the notebook's client sends is "Hello from simple-client.js".
const greeting = "Hello from 01-simple/client"

const (
	// connectTimeout bounds the TCP connect and the WebSocket handshake, so an
	// unreachable or silent server is reported within seconds.
	connectTimeout = 5 * time.Second
	// closeWait is how long we wait for the server to answer our close frame.
	closeWait = time.Second
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("client", flag.ContinueOnError)
	url := flags.String("url", "ws://localhost:5405", "WebSocket `URL` of the server")
	if err := flags.Parse(args); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, *url, nil)
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
			return fmt.Errorf("%s refused the WebSocket handshake: %s", *url, resp.Status)
		}
		return fmt.Errorf("cannot connect to %s: %w", *url, err)
	}
	defer conn.Close()

	if err := conn.WriteMessage(websocket.TextMessage, []byte(greeting)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return closeGracefully(conn)
}

// closeGracefully performs the closing handshake: we send a close frame (1000,
// normal closure) and wait briefly for the server's reply. Just dropping the
// TCP connection would make the server see an abnormal closure (1006).
func closeGracefully(conn *websocket.Conn) error {
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeWait)); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(closeWait))
	for {
		// The server's close frame arrives as a *CloseError from the read.
		if _, _, err := conn.ReadMessage(); err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return nil
			}
			return fmt.Errorf("closing handshake: %w", err)
		}
	}
}
