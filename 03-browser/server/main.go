// Command server is lesson 3: the lesson-2 room behind a web page. It serves
// the page at / and the room's WebSocket at /ws, on the same origin, so a
// browser tab can join the room next to the Go and Node clients.
//
//	go run ./03-browser/server             # open http://localhost:5407 in two tabs
//	go run ./03-browser/server -addr :0    # any free port; the address is printed
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/02-stateful/serve"
)

// errUsage means the command line was wrong; the flag package has said
// why, with the usage.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); {
	case err == nil:
	case errors.Is(err, flag.ErrHelp): // -h: the usage was asked for, and printed
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "localhost:5407", "`host:port` to listen on; port 0 picks a free port")
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the page's own, e.g. http://localhost:3000")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the error and the usage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "server: unexpected argument %q; every setting is a flag\n", flags.Arg(0))
		flags.Usage()
		return errUsage
	}

	logger := log.New(stdout, "", 0)
	r := room.New(logger)
	return serve.Run(ctx, *addr, "http", logger, routes(r, room.SplitOrigins(*origins)), r.Close)
}
