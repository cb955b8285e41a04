// Command server is lesson 2's room served the way one serves it on the
// internet: over TLS, behind a sign-in, with metrics, health checks and a
// drain on SIGTERM.
//
//	go run ./06-production/server              # https://localhost:5410, self-signed
//	go run ./06-production/server -addr :0     # any free port; the address is printed
package main

import (
	"context"
	"crypto/tls"
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

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/02-stateful/serve"
	"example.com/wstutorial/06-production/auth"
	"example.com/wstutorial/06-production/chat"
	"example.com/wstutorial/06-production/lograte"
	"example.com/wstutorial/06-production/metrics"
	"example.com/wstutorial/06-production/selfsigned"
	"example.com/wstutorial/06-production/site"
	"golang.org/x/time/rate"
)

func main() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	err := run(os.Args[1:], os.Stdout, signals)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return // -h: the usage was the output asked for
	case errors.Is(err, errUsage):
		os.Exit(2) // already reported on stderr
	case err != nil:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// errUsage is a mistake on the command line that has been reported already:
// a flag that does not exist or does not parse, or an argument that is not a
// flag. Like the flag package's own, it exits with status 2.
var errUsage = errors.New("usage")

// options are the command line's settings.
type options struct {
	addr, certFile, keyFile string
	metricsAddr             string
	useTLS                  bool
	origins, trusted        string
	limits                  chat.Limits
	rate                    float64
	sessionTTL, tokenTTL    time.Duration
	drainWait               time.Duration
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&o.addr, "addr", "localhost:5410", "`host:port` to listen on; port 0 picks a free port")
	flags.StringVar(&o.metricsAddr, "metrics-addr", "", "serve /metrics on this `host:port` (plain HTTP) instead of with the site, for a server that faces the internet itself")
	flags.StringVar(&o.certFile, "cert", "", "certificate `file` (PEM); without -cert and -key, a self-signed one for localhost is made")
	flags.StringVar(&o.keyFile, "key", "", "private key `file` (PEM) of -cert")
	flags.BoolVar(&o.useTLS, "tls", true, "serve HTTPS; -tls=false serves plain HTTP, only for behind a proxy that terminates TLS")
	flags.StringVar(&o.origins, "origins", "", "comma-separated browser `origins` to allow besides the server's own (behind a proxy: the public one)")
	flags.StringVar(&o.trusted, "trusted-proxies", "", "comma-separated `addresses` or networks of proxies whose X-Forwarded-For is believed")
	flags.IntVar(&o.limits.MaxConns, "max-conns", 1000, "most clients at once; more are refused with 503")
	flags.Float64Var(&o.rate, "rate", 20, "`messages` a second a client may send (bursts of twice as many); 0 for no limit")
	flags.DurationVar(&o.limits.PingPeriod, "ping", 30*time.Second, "how often to ping each client; keep it under the proxy's idle timeout")
	flags.DurationVar(&o.sessionTTL, "session", 12*time.Hour, "how long a sign-in lasts")
	flags.DurationVar(&o.tokenTTL, "token", 30*time.Second, "how long a program's token stays valid (it opens connections until then)")
	flags.DurationVar(&o.drainWait, "drain", 5*time.Second, "on SIGTERM, how long to stay up but not ready before closing, for the load balancer to notice")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	if flags.NArg() > 0 {
		// A port given as "server 5410" would otherwise be silently ignored.
		fmt.Fprintf(stderr, "server: unexpected argument %q (-h lists the flags)\n", flags.Arg(0))
		return o, errUsage
	}
	o.limits.Rate = rate.Limit(o.rate)
	switch {
	case (o.certFile == "") != (o.keyFile == ""):
		return o, errors.New("-cert and -key go together: give both or neither")
	case o.limits.MaxConns < 1:
		return o, errors.New("-max-conns must be at least 1")
	case o.limits.PingPeriod <= 0:
		return o, errors.New("-ping must be positive")
	case o.sessionTTL <= 0 || o.tokenTTL <= 0:
		return o, errors.New("-session and -token must be positive")
	}
	return o, nil
}

// run serves until a signal comes: SIGINT (Ctrl-C) shuts down at once,
// SIGTERM, which is how orchestrators stop a server, drains first.
func run(args []string, stdout io.Writer, signals <-chan os.Signal) error {
	o, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	trusted, err := site.ParsePrefixes(o.trusted)
	if err != nil {
		return fmt.Errorf("-trusted-proxies: %w", err)
	}
	signer, err := auth.NewSigner()
	if err != nil {
		return err
	}
	logger := log.New(stdout, "", 0)
	m := metrics.New()
	chatRoom := chat.New(logger, m, o.limits)
	s := site.New(site.Config{
		Log:              logger,
		Room:             chatRoom,
		Metrics:          m,
		Signer:           signer,
		Origins:          room.SplitOrigins(o.origins),
		TrustedProxies:   trusted,
		SessionTTL:       o.sessionTTL,
		TokenTTL:         o.tokenTTL,
		MetricsElsewhere: o.metricsAddr != "",
	})

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", o.addr, err)
	}
	scheme := "http"
	if o.useTLS {
		tlsListener, cleanup, err := listenTLS(ln, o.certFile, o.keyFile, logger)
		if err != nil {
			ln.Close()
			return err
		}
		defer cleanup()
		ln, scheme = tlsListener, "https"
	}
	logger.Printf("Listening on %s://%s", scheme, ln.Addr())
	if o.metricsAddr != "" {
		stop, err := serveMetrics(o.metricsAddr, m, logger)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}

	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second, // slowloris: the TLS handshake and the headers come in time or not at all
		IdleTimeout:       2 * time.Minute, // an idle keep-alive connection holds a file, and is not counted by -max-conns
		// net/http logs every failed TLS handshake and bad request; a
		// scanner makes thousands.
		ErrorLog: log.New(lograte.New(logger).Writer("http"), "", 0),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case sig := <-signals:
		if sig == syscall.SIGTERM && o.drainWait > 0 {
			drain(s, o.drainWait, logger, signals)
		}
	}
	return shutDown(srv, chatRoom, logger)
}

// drain makes the server unready and waits for the load balancer to see it
// (it probes /readyz every few seconds) and send new clients elsewhere.
// Clients already connected are served meanwhile. A second signal cuts the
// wait short.
func drain(s *site.Site, wait time.Duration, logger *log.Logger, signals <-chan os.Signal) {
	s.Drain()
	logger.Printf("Draining: /readyz now answers 503; closing in %s", wait)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-signals:
	}
}

// shutDown stops the HTTP server and says goodbye (1001) to every client,
// each on a clock of its own, as lesson 2's serve.Run does.
func shutDown(srv *http.Server, chatRoom *chat.Room, logger *log.Logger) error {
	logger.Print("Shutting down")
	httpDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownGrace)
		defer cancel()
		err := srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = srv.Close()
		}
		httpDone <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), serve.ShutdownGrace)
	defer cancel()
	chatRoom.Close(ctx)
	if err := <-httpDone; err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// serveMetrics serves /metrics on an address of its own, one that only the
// monitoring network can reach, and returns what stops it.
func serveMetrics(addr string, m *metrics.Metrics, logger *log.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for the metrics: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	logger.Printf("Metrics on http://%s/metrics", ln.Addr())
	return func() { srv.Close() }, nil
}

// listenTLS wraps ln in TLS with the certificate in certFile and keyFile, or,
// if none is given, a self-signed one for localhost, made now in a temporary
// directory that cleanup removes.
func listenTLS(ln net.Listener, certFile, keyFile string, logger *log.Logger) (tlsLn net.Listener, cleanup func(), err error) {
	cleanup = func() {}
	if certFile == "" {
		dir, err := os.MkdirTemp("", "wstutorial-tls-")
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		if certFile, keyFile, err = selfsigned.Write(dir); err != nil {
			cleanup()
			return nil, nil, err
		}
		logger.Printf("No -cert and -key: made a self-signed certificate for localhost, %s", certFile)
		logger.Printf("Browsers will warn about it; programs can trust it (curl --cacert %s), or pass -cert and -key", certFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("load the certificate: %w", err)
	}
	config := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		// HTTP/1.1 only: a WebSocket handshake takes over the connection
		// (gorilla hijacks it), which HTTP/2 streams do not allow.
		NextProtos: []string{"http/1.1"},
	}
	return tls.NewListener(ln, config), cleanup, nil
}
