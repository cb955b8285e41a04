// Command server is the Go version of the notebook's stateful-server.js: a
// room where every client gets an id and hears when others join, broadcast
// or leave.
//
//	go run ./02-stateful/server             # listens on localhost:5406
//	go run ./02-stateful/server -addr :0    # any free port; the address is printed
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
	// ExitOnError: -h prints the usage and exits 0; a bad flag is reported,
	// with the usage, and exits 2.
	flags := flag.NewFlagSet("server", flag.ExitOnError)
	addr := flags.String("addr", "localhost:5406", "`host:port` to listen on; port 0 picks a free port")
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the server's own")
	_ = flags.Parse(args)
	if flags.NArg() > 0 { // a port given as "server 5406" would otherwise be ignored
		fmt.Fprintf(flags.Output(), "server: unexpected argument %q (-h lists the flags)\n", flags.Arg(0))
		os.Exit(2)
	}

	logger := log.New(stdout, "", 0)
	r := room.New(logger)
	handler := room.NewHandler(r, room.SplitOrigins(*origins)...)
	return serve.Run(ctx, *addr, "ws", logger, handler, r.Close)
}
