// Command server is the Go version of the notebook's simple-server.js: it
// accepts WebSocket connections and prints every text message it receives.
//
//	go run ./01-simple/server              # listens on localhost:5405
//	go run ./01-simple/server -addr :0     # any free port; the address is printed
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownGrace is how long Ctrl-C waits for clients to answer the server's
// close frame before their connections are cut.
const shutdownGrace = time.Second

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

// run serves until ctx is cancelled (Ctrl-C), then closes every connection
// with 1001 (going away) and returns nil.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := flags.String("addr", "localhost:5405", "`host:port` to listen on; port 0 picks a free port")
	if err := parseFlags(flags, args); err != nil {
		return err
	}

	// Listen before serving, so a taken port is reported at once and port 0
	// is resolved to the real port we can print.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	logger := log.New(stdout, "", 0) // the notebook's lines, without timestamps
	logger.Printf("Listening on ws://%s", ln.Addr())

	srv := newServer(logger)
	httpServer := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	logger.Print("Shutting down")
	// Shutdown stops accepting and waits for plain HTTP requests, but it does
	// not know about hijacked WebSocket connections: we close those ourselves.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	srv.closeAll(shutdownGrace)
	return nil
}

// parseFlags parses args, and refuses arguments that are not flags: a port
// given as "server 5405" would otherwise be silently ignored.
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
