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
	"os"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/02-stateful/roomclient"
)

// deliveryTimeout is how long a client waits for a message the script has
// caused; past it the server is not doing its job and the script fails.
const deliveryTimeout = 5 * time.Second

// errUsage is run's error for a command line the flag package has already
// explained on stderr; main then only sets the exit code.
var errUsage = errors.New("usage error")

func main() {
	err := run(os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage has been printed
	case errors.Is(err, errUsage):
		os.Exit(2) // the flag package has said what was wrong
	case err != nil:
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("client", flag.ContinueOnError)
	url := flags.String("url", "ws://localhost:5406", "WebSocket `URL` of the server")
	url2 := flags.String("url2", "", "`URL` for client 2, if it should join another server than client 1 (lesson 4)")
	step := flags.Duration("step", 1500*time.Millisecond, "pause between the script's steps")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if *url2 == "" {
		*url2 = *url
	}
	out := log.New(stdout, "", 0) // safe to use from several goroutines

	out.Print("Starting up")
	client1, err := roomclient.Dial(*url, printAs("Client 1", out))
	if err != nil {
		return fmt.Errorf("client 1: %w", err)
	}
	// If a later step fails, the clients still say goodbye (Close does
	// nothing the second time).
	defer client1.Close()

	// The notebook pauses to simulate clients arriving at different times.
	time.Sleep(*step)
	client2, err := roomclient.Dial(*url2, printAs("Client 2", out))
	if err != nil {
		return fmt.Errorf("client 2: %w", err)
	}
	defer client2.Close()
	// Dial returns once the connection is open: the notebook's 'open' event.
	if err := client2.Send("Hello"); err != nil {
		return fmt.Errorf("client 2: %w", err)
	}

	// Sleeping alone would not guarantee the broadcast has arrived before
	// client 1 leaves; waiting for it does, however slow the machine.
	time.Sleep(*step)
	if _, err := client1.Await(room.TypeBroadcast, deliveryTimeout); err != nil {
		return fmt.Errorf("client 1: %w", err)
	}
	if err := client1.Close(); err != nil {
		return fmt.Errorf("client 1: %w", err)
	}

	time.Sleep(*step)
	// Client 2 must hear that client 1 left before it leaves too.
	if _, err := client2.Await(room.TypeDisconnected, deliveryTimeout); err != nil {
		return fmt.Errorf("client 2: %w", err)
	}
	if err := client2.Close(); err != nil {
		return fmt.Errorf("client 2: %w", err)
	}
	out.Print("Shutting down")
	return nil
}

// printAs returns the handler that prints every message a client receives,
// as the notebook's on('message') handlers do.
func printAs(name string, out *log.Logger) func(room.Message) {
	return func(m room.Message) {
		out.Printf("%s received %s message: %s", name, m.Type, m.Payload)
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
