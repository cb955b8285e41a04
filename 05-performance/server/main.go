// Command server is lesson 2's server on the fast room: the same protocol,
// flags and port, so lesson 2's client runs against it, with the limits a
// server facing load needs (a rate per client, a budget for the room, a cap
// on connections).
//
//	go run ./05-performance/server                     # listens on localhost:5406
//	go run ./05-performance/server -addr 127.0.0.1:0   # any free port; the address is printed
//	go run ./05-performance/server -quiet -rate 0      # for load tests (scripts/bench.sh)
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
	"example.com/wstutorial/05-performance/fastroom"
)

// errUsage is run's error for a command line the flag package has already
// explained on stderr; main then only sets the exit code.
var errUsage = errors.New("usage error")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is printed, and that is all
	case errors.Is(err, errUsage):
		os.Exit(2) // the flag package has said what was wrong
	case err != nil:
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
	maxConns := flags.Int("max-conns", fastroom.DefaultMaxConns, "connections taken at once; beyond them the handshake gets 503")
	switch err := flags.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return errUsage // the flag package has printed the problem and the flags
	case flags.NArg() > 0:
		fmt.Fprintf(flags.Output(), "server: unexpected argument %q (-h lists the flags)\n", flags.Arg(0))
		return errUsage
	}
	switch {
	case *sendRate < 0:
		return fmt.Errorf("-rate must be 0 (no limit) or more, not %v", *sendRate)
	case *maxConns < 1:
		return fmt.Errorf("-max-conns must be at least 1, not %d", *maxConns)
	}

	logger := log.New(stdout, "", 0)
	// Every connection is an open file. Go already raises the soft limit on
	// open files to the hard one at start (since Go 1.19); fileLimit reads
	// it, so that the cap can be kept below it.
	if limit, ok := fileLimit(); ok && uint64(*maxConns)+filesKept > limit {
		*maxConns = int(max(limit, filesKept+1) - filesKept)
		logger.Printf("Taking at most %d connections: the process may open %d files (ulimit -n)", *maxConns, limit)
	}
	opts := []fastroom.Option{fastroom.SendRate(*sendRate), fastroom.MaxConns(*maxConns)}
	if *quiet {
		opts = append(opts, fastroom.Quiet())
	}
	r := fastroom.New(logger, opts...)
	handler := fastroom.NewHandler(r, room.SplitOrigins(*origins)...)
	go giveBackWhenQuiet(ctx) // see giveback.go
	return serve.Run(ctx, *addr, "ws", logger, handler, r.Close)
}
