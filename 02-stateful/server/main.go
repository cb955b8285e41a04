// Command server is the Go version of the notebook's stateful-server.js: a
// room where every client gets an id and hears when others join, broadcast
// or leave.
//
//	go run ./02-stateful/server             # listens on localhost:5406
//	go run ./02-stateful/server -addr :0    # any free port; the address is printed
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

// errUsage is run's error for a command line the flag package has already
// explained on stderr; main then only sets the exit code.
var errUsage = errors.New("usage error")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage has been printed
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
	if err := parseFlags(flags, args); err != nil {
		return err
	}

	logger := log.New(stdout, "", 0)
	r := room.New(logger)
	handler := room.NewHandler(r, room.SplitOrigins(*origins)...)
	return serve.Run(ctx, *addr, "ws", logger, handler, r.Close)
}

// parseFlags parses args, and refuses arguments that are not flags: a port
// given as "server 5406" would otherwise be silently ignored.
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
