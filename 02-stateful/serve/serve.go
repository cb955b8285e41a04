// Package serve runs an HTTP server the way every lesson's server runs:
// listen first and print the address, serve until the context is cancelled
// (Ctrl-C), then shut down in an orderly way.
package serve

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"
)

// ShutdownGrace is how long shutdown waits for clients to answer the close
// frames they were sent before their connections are cut.
const ShutdownGrace = time.Second

// Run listens on addr, prints "Listening on <scheme>://<address>" and serves
// handler until ctx is done. Then it stops accepting connections and calls
// closeConns, which must close the server's WebSockets: http.Server.Shutdown
// does not know about hijacked connections. Run returns nil after a clean
// shutdown.
func Run(ctx context.Context, addr, scheme string, logger *log.Logger, handler http.Handler, closeConns func(context.Context)) error {
	ln, err := Listen(addr, scheme, logger)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, logger, handler, closeConns)
}

// Listen listens on addr and prints "Listening on <scheme>://<address>".
// Listening before serving reports a taken port at once, and resolves port 0
// to the real port, which we print for scripts and tests to read. A server
// with work to do between the two (lesson 4 joins its cluster) calls Listen
// and Serve itself.
func Listen(addr, scheme string, logger *log.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	logger.Printf("Listening on %s://%s", scheme, ln.Addr())
	return ln, nil
}

// Serve is Run on a listener that Listen returned.
func Serve(ctx context.Context, ln net.Listener, logger *log.Logger, handler http.Handler, closeConns func(context.Context)) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	logger.Print("Shutting down")
	// Two things end side by side, within the same ShutdownGrace. Shutdown
	// stops accepting connections and waits for plain HTTP requests to
	// finish. closeConns says goodbye to the WebSocket clients at the same
	// time, so a slow HTTP request cannot eat the time they have to answer.
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	httpDone := make(chan struct{})
	go func() { _ = srv.Shutdown(ctx); close(httpDone) }()
	closeConns(ctx)
	// Every WebSocket client has had its goodbye. A request still
	// unfinished now (a client that sent half its headers, say) is not
	// worth waiting for: cut it, and with it what Shutdown waits for.
	srv.Close()
	<-httpDone
	return nil
}
