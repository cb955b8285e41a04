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
	"example.com/wstutorial/05-performance/fastroom"
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
	addr := flags.String("addr", "localhost:5406", "`host:port` to listen on; port 0 picks a free port")
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the server's own")
	quiet := flags.Bool("quiet", false, "do not log each broadcast (for load tests)")
	sendRate := flags.Float64("rate", fastroom.DefaultSendRate, "messages a second each client may send, in bursts of twice that; 0: no limit (for load tests)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *sendRate < 0 {
		return fmt.Errorf("-rate must be 0 (no limit) or more, not %v", *sendRate)
	}

	logger := log.New(stdout, "", 0)
	opts := []fastroom.Option{fastroom.SendRate(*sendRate)}
	if *quiet {
		opts = append(opts, fastroom.Quiet())
	}
	r := fastroom.New(logger, opts...)
	handler := fastroom.NewHandler(r, room.SplitOrigins(*origins)...)
	return serve.Run(ctx, *addr, "ws", logger, handler, r.Close)
}
