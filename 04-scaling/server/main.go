// Command server is the lesson-2 room spread over several processes: run it
// twice, and clients of either instance are in one room, with ids unique
// across both. The instances talk through NATS.
//
//	go run ./04-scaling/server -addr :5408    # starts an embedded NATS if none runs
//	go run ./04-scaling/server -addr :5409    # joins the first through it
//	go run ./04-scaling/server -nats nats://n1:4222,nats://n2:4222,nats://n3:4222
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
	"path/filepath"
	"syscall"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/02-stateful/serve"
	"example.com/wstutorial/04-scaling/cluster"
)

// tokenVariable names the environment variable that holds the NATS token of
// a real deployment (see cluster.Options.Token).
const tokenVariable = "NATS_TOKEN"

// errUsage is returned for a command line the flag package has already
// reported, together with the usage.
var errUsage = errors.New("bad command line")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		// -h: the usage was asked for, and printed.
	case errors.Is(err, errUsage):
		os.Exit(2) // already reported, with the usage
	default:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("server", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "localhost:5408", "`host:port` to listen on; port 0 picks a free port")
	natsURL := flags.String("nats", "nats://127.0.0.1:4222",
		"NATS server `URL`s, comma-separated; if a single local one is not running, it is started in this process")
	embed := flags.Bool("embed", true, "start an embedded NATS server if nothing answers at a single local -nats address")
	heartbeat := flags.Duration("heartbeat", cluster.DefaultHeartbeat,
		fmt.Sprintf("how often instances announce their clients; one silent for %d heartbeats is presumed dead", cluster.MissedBeats))
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the server's own")
	state := flags.String("state", defaultStateDir(),
		"`directory` for the embedded NATS server's token files (its data is kept in memory)")
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "Usage: server [flags]\n\nThe NATS token, if any, is read from $%s.\n\nFlags:\n", tokenVariable)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(flags.Output(), "server: unexpected argument %q; every setting is a flag\n", flags.Arg(0))
		flags.Usage()
		return errUsage
	}
	logger := log.New(stdout, "", 0)

	// The lesson-2 room, with the cluster as its relay: ids come from the
	// cluster's counter, and events go to every instance. Until the node
	// has joined, it turns clients away (1013, try again later).
	node := cluster.NewNode(logger, *heartbeat)
	r := room.NewRelayed(logger, node)
	handler := room.NewHandler(r, room.SplitOrigins(*origins)...)

	// Listen first: a taken port is reported at once, before any NATS.
	ln, err := serve.Listen(*addr, "ws", logger)
	if err != nil {
		return err
	}

	// Join the cluster while serving. If joining fails, the server stops
	// and run returns why.
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	joined := make(chan *cluster.Broker, 1)
	go func() {
		broker, err := join(ctx, cluster.Options{
			URL: *natsURL, Token: os.Getenv(tokenVariable), StateDir: *state, NoEmbed: !*embed, Logger: logger,
		}, node, r)
		if err != nil {
			fail(err)
		}
		joined <- broker // nil if joining failed
	}()

	err = serve.Serve(ctx, ln, logger, handler, func(ctx context.Context) {
		r.Close(ctx) // every client leaves, and the others hear of it
		node.Leave() // then the instance itself
	})
	node.Leave() // if Serve failed before it could
	if broker := <-joined; broker != nil {
		broker.Close()
	}
	if cause := context.Cause(ctx); err == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // joining failed: that is why we stopped
	}
	return err
}

// join connects to NATS and starts this instance's membership.
func join(ctx context.Context, opts cluster.Options, node *cluster.Node, local cluster.Local) (*cluster.Broker, error) {
	broker, err := cluster.Dial(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := node.Start(broker.Conn, local); err != nil {
		broker.Close()
		return nil, err
	}
	return broker, nil
}

// defaultStateDir is the lesson's own directory in the user's cache, where
// only this user may look.
func defaultStateDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wstutorial-04-scaling")
}
