// Command server is lesson 3: the lesson-2 room behind a web page. It serves
// the page at / and the room's WebSocket at /ws, on the same origin, so a
// browser tab can join the room next to the Go and Node clients.
//
//	go run ./03-browser/server             # open http://localhost:5407 in two tabs
//	go run ./03-browser/server -addr :0    # any free port; the address is printed
package main

import (
	"context"
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := flags.String("addr", "localhost:5407", "`host:port` to listen on; port 0 picks a free port")
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the page's own, e.g. http://localhost:3000")
	if err := flags.Parse(args); err != nil {
		return err
	}

	logger := log.New(stdout, "", 0)
	r := room.New(logger)
	return serve.Run(ctx, *addr, "http", logger, routes(r, room.SplitOrigins(*origins)), r.Close)
}
