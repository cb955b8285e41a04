// Command client is the Go version of the notebook's client.js: a staged
// script in which two clients join the lesson-2 room one step apart, the
// second says Hello, and both leave one step apart.
//
//	go run ./02-stateful/client
//	go run ./02-stateful/client -step 50ms
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// waitLimit bounds each wait: for a message the script has caused, and for
// the server's answer to a close frame. Past it the server is not doing its
// job, and the script fails.
const waitLimit = 5 * time.Second

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	// ExitOnError: -h prints the usage and exits 0; a bad flag is reported,
	// with the usage, and exits 2.
	flags := flag.NewFlagSet("client", flag.ExitOnError)
	url := flags.String("url", "ws://localhost:5406", "WebSocket `URL` of the server")
	url2 := flags.String("url2", "", "`URL` for client 2, if it should join another server than client 1 (lesson 4)")
	step := flags.Duration("step", 1500*time.Millisecond, "pause between the script's steps")
	_ = flags.Parse(args)
	if flags.NArg() > 0 { // a URL given without -url would otherwise be ignored
		fmt.Fprintf(flags.Output(), "client: unexpected argument %q (-h lists the flags)\n", flags.Arg(0))
		os.Exit(2)
	}
	if *url2 == "" {
		*url2 = *url
	}
	out := log.New(stdout, "", 0) // safe to use from several goroutines

	out.Print("Starting up")
	client1, err := join("Client 1", *url, out)
	if err != nil {
		return err
	}
	defer client1.leave() // if a later step fails

	// The notebook pauses to simulate clients arriving at different times.
	time.Sleep(*step)
	client2, err := join("Client 2", *url2, out)
	if err != nil {
		return err
	}
	defer client2.leave()
	if err := client2.send("Hello"); err != nil {
		return err
	}

	// Sleeping alone would not guarantee the broadcast has arrived before
	// client 1 leaves; waiting for it does, however slow the machine.
	time.Sleep(*step)
	if err := client1.await(room.TypeBroadcast); err != nil {
		return err
	}
	if err := client1.leave(); err != nil {
		return err
	}

	time.Sleep(*step)
	// Client 2 must hear that client 1 left before it leaves too.
	if err := client2.await(room.TypeDisconnected); err != nil {
		return err
	}
	if err := client2.leave(); err != nil {
		return err
	}
	out.Print("Shutting down")
	return nil
}

// member is one of the script's clients. The script reads what a client
// has received when it reaches a step that needs it, and prints each message
// as it reads it: the same lines, in the same order, as the notebook's
// on('message') handlers print.
type member struct {
	name string
	conn *websocket.Conn
	out  *log.Logger
}

// join connects to the room at url and returns once the connection is open
// (the notebook's 'open' event).
func join(name, url string, out *log.Logger) (*member, error) {
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		if resp != nil { // the server answered, but not with a WebSocket
			err = fmt.Errorf("%w (HTTP %s)", err, resp.Status)
			if resp.StatusCode == http.StatusOK {
				err = fmt.Errorf("%w: that is a web page; lesson 3 serves its WebSocket at /ws", err)
			}
		}
		return nil, fmt.Errorf("%s: cannot connect to %s: %w", name, url, err)
	}
	return &member{name, conn, out}, nil
}

// send sends a broadcast.
func (m *member) send(payload string) error {
	if m.conn.WriteJSON(room.Message{Type: room.TypeBroadcast, Payload: payload}) != nil {
		return m.await("") // the connection has ended: reading says why
	}
	return nil
}

// await reads and prints the client's messages until one of type typ: it
// is how the script knows that a step has really happened before the next.
// If the connection ends first, the error says how.
func (m *member) await(typ string) error {
	_ = m.conn.SetReadDeadline(time.Now().Add(waitLimit))
	for {
		var msg room.Message
		err := m.conn.ReadJSON(&msg)
		if websocket.IsCloseError(err, websocket.CloseGoingAway) {
			return fmt.Errorf("%s: the server shut down (%w)", m.name, err)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		m.out.Printf("%s received %s message: %s", m.name, msg.Type, msg.Payload)
		if msg.Type == typ {
			return nil
		}
	}
}

// leave performs the closing handshake: a close frame (1000, normal
// closure), then the server's answer. Dropping the connection without it
// would look like a crash (1006) to the server.
func (m *member) leave() error {
	defer m.conn.Close()
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := m.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(waitLimit)); err != nil {
		return fmt.Errorf("%s: %w", m.name, err) // a second leave ends here
	}
	// The answer ends the connection: reading returns it as an error.
	err := m.await("")
	if websocket.IsCloseError(errors.Unwrap(err), websocket.CloseNormalClosure) {
		return nil
	}
	return err
}
