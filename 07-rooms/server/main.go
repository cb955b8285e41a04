// Command server serves many rooms at ws://HOST:5411/rooms/{room}, each with
// a history in JetStream. The first instance starts a NATS server with
// JetStream inside itself; the others join it:
//
//	go run ./07-rooms/server                          # NATS on 127.0.0.1:4244
//	go run ./07-rooms/server -addr localhost:5412 -nats nats://127.0.0.1:4244
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/02-stateful/serve"
	"example.com/wstutorial/04-scaling/cluster"
	"example.com/wstutorial/07-rooms/rooms"
	"github.com/nats-io/nats.go"
)

// errUsage is returned for a command line the flag package has reported.
var errUsage = errors.New("bad command line")

// tokenVariable names the environment variable that holds the NATS token of
// a real deployment, the same for the NATS servers and every instance.
const tokenVariable = "NATS_TOKEN"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
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
	addr := flags.String("addr", "localhost:5411", "`host:port` to listen on; port 0 picks a free port")
	natsURL := flags.String("nats", "", "NATS `URL`s (comma-separated) of a server with JetStream; empty: start one in this process, on -embed")
	embedAddr := flags.String("embed", "127.0.0.1:4244", "`host:port` of the NATS server started when -nats is empty")
	perRoom := flags.Int64("history", 1000, "events kept per room")
	maxAge := flags.Duration("history-age", 24*time.Hour, "how long an event is kept")
	historyMB := flags.Int64("history-mb", rooms.DefaultMaxBytes>>20, "`megabytes` of history kept, all rooms together; the oldest events go first")
	maxMessage := flags.Int("max-message", rooms.DefaultMaxMessage, "longest message a client may send, in `bytes`")
	storage := flags.String("storage", "memory", "where NATS keeps the history: memory or file (file needs -nats)")
	replicas := flags.Int("replicas", 1, "copies of the history on a NATS cluster (above 1 needs -nats)")
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the server's own")
	state := flags.String("state", defaultStateDir(), "`directory` for the embedded NATS server's token files (its data is kept in memory)")
	quiet := flags.Bool("quiet", false, "log no line per join, message or leave (for load tests)")
	sendRate := flags.Float64("rate", rooms.DefaultSendRate, "messages a second a client may send, in bursts of twice that; 0: no limit")
	maxConns := flags.Int("max-conns", rooms.DefaultMaxConns, "most clients at once; more are refused with 503")
	maxRooms := flags.Int("max-rooms", rooms.DefaultMaxRooms, "most rooms followed at once; a client of one more is refused with 503")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "server: unexpected argument %q; every setting is a flag\n", flags.Arg(0))
		return errUsage
	}
	if *perRoom < 1 || *maxAge <= 0 || *historyMB < 1 || *maxMessage < 1 || *replicas < 1 || *maxConns < 1 || *maxRooms < 1 {
		return errors.New("-history, -history-age, -history-mb, -max-message, -replicas, -max-conns and -max-rooms must be above 0")
	}
	var store nats.StorageType
	if err := store.UnmarshalJSON([]byte(strconv.Quote(*storage))); err != nil {
		return fmt.Errorf("-storage %q: want memory or file", *storage)
	}
	if *natsURL == "" && (store == nats.FileStorage || *replicas > 1) {
		return errors.New("-storage file and -replicas need -nats: the embedded NATS server is one server, and keeps nothing on disk")
	}
	logger := log.New(stdout, "", 0)

	ln, err := serve.Listen(*addr, "ws", logger)
	if err != nil {
		return err
	}
	defer ln.Close()
	token := os.Getenv(tokenVariable)
	joining := *natsURL != ""
	if !joining {
		embedded, stop, err := startNATS(*embedAddr, &token, *state)
		if err != nil {
			return err
		}
		defer stop()
		*natsURL = embedded.URL()
		logger.Printf("NATS with JetStream on %s", *natsURL)
	}
	options := []nats.Option{nats.Name("07-rooms"), nats.MaxReconnects(-1)}
	switch {
	case token != "":
		options = append(options, nats.Token(token))
	case joining:
		// The file is read at every reconnection: an embedded server that
		// was restarted made up a new token, written a moment after it
		// started listening. Until then it refuses the old one; keep trying.
		options = append(options, nats.TokenHandler(func() string { return embeddedToken(*state, *natsURL) }),
			nats.IgnoreAuthErrorAbort())
	}
	nc, err := nats.Connect(*natsURL, options...)
	if err != nil {
		return fmt.Errorf("cannot connect to NATS at %s: %w", *natsURL, err)
	}
	defer nc.Close()
	history, err := rooms.OpenHistory(nc, rooms.Limits{
		PerRoom: *perRoom, MaxAge: *maxAge, MaxBytes: *historyMB << 20, MaxMessage: *maxMessage, Storage: store, Replicas: *replicas,
	})
	if err != nil {
		return fmt.Errorf("JetStream at %s: %w", *natsURL, err)
	}
	if joining {
		logger.Printf("Joined NATS at %s", *natsURL)
	}

	srv := rooms.NewServer(logger, history, rooms.Options{
		Quiet: *quiet, SendRate: *sendRate, MaxConns: *maxConns, MaxRooms: *maxRooms,
	})
	return serve.Serve(ctx, ln, logger, routes(srv, room.SplitOrigins(*origins)), srv.Close)
}

// static is lesson 3's page with a room picker (see static/app.js).
//
//go:embed static
var static embed.FS

// routes serves the page at / and the rooms at /rooms/{room}.
func routes(srv *rooms.Server, origins []string) http.Handler {
	page, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(page))
	mux.Handle("GET /rooms/", rooms.NewHandler(srv, origins...))
	return mux
}

// startNATS starts lesson 4's embedded NATS server with JetStream on
// hostport, which lets in only the clients that present the token: without
// one, any program on the machine could publish made-up events into any room,
// or purge the history. If *token is empty, it makes one up and shares it as
// lesson 4 does (04-scaling/cluster/token.go): in the token file of the
// server's port in stateDir, which only this user can read. The history
// lives in memory; JetStream's directory, in stateDir too, stays empty. stop shuts the server down and
// removes both the directory and the token file, if any; a crash leaves
// nothing in the system's temporary directory.
func startNATS(hostport string, token *string, stateDir string) (embedded *cluster.Embedded, stop func(), err error) {
	host, portText, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, nil, fmt.Errorf("-embed %q: %w", hostport, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, nil, fmt.Errorf("-embed %q: bad port", hostport)
	}
	if *token != "" {
		embedded, err = cluster.StartEmbedded(host, port, *token, stateDir)
		return embedded, func() { embedded.Close() }, err
	}
	*token = cluster.NewToken()
	if embedded, err = cluster.StartEmbedded(host, port, *token, stateDir); err != nil {
		return nil, nil, err
	}
	path := cluster.TokenFile(stateDir, embedded.Port())
	if err := cluster.WriteToken(path, *token); err != nil {
		embedded.Close()
		return nil, nil, err
	}
	return embedded, func() { embedded.Close(); os.Remove(path) }, nil
}

// embeddedToken returns the token of the embedded NATS server at natsURL, if
// that is a single address with a port and an instance on this machine wrote
// its token; "" otherwise (a NATS server run by hand may need none).
func embeddedToken(stateDir, natsURL string) string {
	u, err := url.Parse(natsURL)
	if err != nil || strings.Contains(natsURL, ",") {
		return ""
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return ""
	}
	return cluster.ReadToken(cluster.TokenFile(stateDir, port))
}

// defaultStateDir is the lesson's own directory in the user's cache, where
// only this user may look.
func defaultStateDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wstutorial-07-rooms")
}
