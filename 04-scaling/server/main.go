// Command server is the lesson-2 room spread over several processes: run it
// twice, and clients of either instance are in one room, with ids unique
// across both. The instances talk through NATS.
//
//	go run ./04-scaling/server -addr :5408    # starts an embedded NATS if none runs
//	go run ./04-scaling/server -addr :5409    # joins the first through it
//	go run ./04-scaling/server -nats nats://nats1:4222,nats://nats2:4222
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
	"example.com/wstutorial/04-scaling/cluster"
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
	addr := flags.String("addr", "localhost:5408", "`host:port` to listen on; port 0 picks a free port")
	natsURL := flags.String("nats", "nats://127.0.0.1:4222",
		"NATS server `URL`s, comma-separated; if a single local one is not running, it is started in this process")
	heartbeat := flags.Duration("heartbeat", cluster.DefaultHeartbeat,
		fmt.Sprintf("how often instances announce their clients; one silent for %d heartbeats is presumed dead", cluster.MissedBeats))
	origins := flags.String("origins", "", "comma-separated browser `origins` to allow besides the server's own")
	if err := flags.Parse(args); err != nil {
		return err
	}
	logger := log.New(stdout, "", 0)

	broker, err := cluster.Dial(*natsURL, logger)
	if err != nil {
		return err
	}
	defer broker.Close()
	node, err := cluster.NewNode(broker.Conn, logger, *heartbeat)
	if err != nil {
		return err
	}
	defer node.Leave() // in case we fail before the room closes

	// The lesson-2 room, with the cluster as its relay: ids come from the
	// cluster's counter, and events go to every instance.
	r := room.NewRelayed(logger, node)
	if err := node.Start(r); err != nil {
		return err
	}

	handler := room.NewHandler(r, room.SplitOrigins(*origins)...)
	return serve.Run(ctx, *addr, "ws", logger, handler, func(ctx context.Context) {
		r.Close(ctx) // every client leaves, and the others hear of it
		node.Leave() // then the instance itself
	})
}
