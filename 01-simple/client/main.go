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

// errUsage is run's error for a command line the flag package has already
// explained on stderr; main then only sets the exit code.
var errUsage = errors.New("usage error")

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage has been printed
	case errors.Is(err, errUsage):
		os.Exit(2) // the flag package has said what was wrong
	case err != nil:
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("client", flag.ContinueOnError)
	url := flags.String("url", "ws://localhost:5405", "WebSocket `URL` of the server")
	if err := parseFlags(flags, args); err != nil {
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

// parseFlags parses args, and refuses arguments that are not flags: a port
// given as "client ws://host:port" would otherwise be silently ignored.
func parseFlags(flags *flag.FlagSet, args []string) error {
	switch err := flags.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return errUsage
	case flags.NArg() > 0:
		fmt.Fprintf(flags.Output(), "%s: unexpected argument %q (-h lists the flags)\n", flags.Name(), flags.Arg(0))
		return errUsage
	}
	return nil
}
