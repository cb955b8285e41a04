// Command chat is a client that stays in the room: it prints everything the
// room sends, and sends each line typed as a broadcast, until Ctrl-C. It is
// the client of lesson 4's fault demos, where one must stay connected while
// an instance dies.
//
//	go run ./04-scaling/chat -url ws://localhost:5409
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// closeWait is how long Ctrl-C waits for the server to answer the close frame.
const closeWait = 2 * time.Second

// errUsage is returned for a command line the flag package has already
// reported, together with the usage.
var errUsage = errors.New("bad command line")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("chat", flag.ContinueOnError)
	flags.SetOutput(stderr)
	url := flags.String("url", "ws://localhost:5408", "WebSocket `URL` of an instance")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "chat: unexpected argument %q (-h lists the flags)\n", flags.Arg(0))
		return errUsage
	}
	out := log.New(stdout, "", 0)

	conn, _, err := websocket.DefaultDialer.DialContext(ctx, *url, nil)
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", *url, err)
	}
	defer conn.Close()
	out.Printf("Connected to %s; type a line to send it, Ctrl-C to leave", *url)

	// This goroutine alone reads the connection; it ends with it.
	ended := make(chan error, 1)
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				ended <- err
				return
			}
			var m room.Message
			if json.Unmarshal(data, &m) != nil {
				m = room.Message{Type: "(not JSON)", Payload: string(data)}
			}
			out.Printf("Received %s message: %s", m.Type, m.Payload)
		}
	}()

	// Lines typed go to a channel, so that this goroutine alone writes.
	lines := make(chan string)
	go func() {
		scanner := bufio.NewScanner(stdin)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
		// End of input: stay connected all the same, until Ctrl-C.
	}()

	for {
		select {
		case line := <-lines:
			data, _ := json.Marshal(room.Message{Type: room.TypeBroadcast, Payload: line})
			if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
				return fmt.Errorf("send: %w", err)
			}
		case err := <-ended:
			var closeErr *websocket.CloseError
			if errors.As(err, &closeErr) && closeErr.Code != websocket.CloseAbnormalClosure {
				return fmt.Errorf("the server closed the connection: %d %s", closeErr.Code, closeErr.Text)
			}
			return errors.New("lost the connection: the server went away without a goodbye")
		case <-ctx.Done():
			// Say goodbye properly, so the server sees a normal leave
			// (1000), not a crash (1006).
			bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(closeWait))
			select {
			case <-ended:
			case <-time.After(closeWait):
			}
			out.Print("Left the room")
			return nil
		}
	}
}
