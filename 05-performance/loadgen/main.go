// Command loadgen puts a room server under load and measures it: how many
// broadcasts per second it delivers, how quickly, whether any are lost, and,
// given the server's pid, what each delivery costs it in CPU time and each
// idle connection in memory. It speaks only the notebook's protocol, so it
// measures lesson 2's and lesson 5's servers, Node's and Bun's alike.
//
//	loadgen -url ws://127.0.0.1:5406 -receivers 1000 -senders 1 -messages 2000 -pid 1234
//	loadgen -url ws://127.0.0.1:5406 -idle 10000 -pid 1234
//	loadgen -url ws://127.0.0.1:5406 -flood 20 -pid 1234
//
// It only ever connects to this machine (a loopback address), every run is
// bounded by -timeout, and it stops by itself.
//
// Start the lesson-5 server with -rate 0 for broadcasts: the load generator
// paces its senders itself (-window), and the server's limit of 20 messages
// a second per client would otherwise be all it measures. The flood (-flood)
// stays within that limit, and runs against the server as shipped.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// errIncomplete is returned when a run finished but something was lost,
// dropped or not delivered: the numbers are printed, and the exit status
// says they are not a clean result.
var errIncomplete = errors.New("the run was not clean: see the summary")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	url := flags.String("url", "ws://localhost:5406", "the server's `URL` (loopback addresses only)")
	receivers := flags.Int("receivers", 100, "`clients` that only listen")
	senders := flags.Int("senders", 1, "`clients` that broadcast (they also receive each other's broadcasts)")
	messages := flags.Int("messages", 1000, "broadcasts each sender sends")
	window := flags.Int("window", 16, "broadcasts a sender may have in flight (not yet received by everyone)")
	idle := flags.Int("idle", 0, "hold this many idle `connections` instead of broadcasting")
	hold := flags.Duration("hold", 2*time.Second, "how long -idle holds its connections once they are all open")
	pid := flags.Int("pid", 0, "the server's process id, to measure its CPU time and memory (Linux)")
	timeout := flags.Duration("timeout", 2*time.Minute, "give up after this long, whatever happens")
	dialers := flags.Int("dialers", 32, "connection handshakes in progress at once")
	notices := flags.Duration("notices", 2*time.Minute, "how long to wait, once connected, for the join notices (n·(n-1)/2 for n connections)")
	progress := flags.Duration("progress", 2*time.Second, "print progress to stderr this often (0: never)")
	asJSON := flags.Bool("json", false, "print the result as one line of JSON on stdout and the summary on stderr")
	flood := flags.Int("flood", 0, "flood the server with this many `clients` instead, each sending -flood-size messages at -flood-rate")
	floodSize := flags.Int("flood-size", 65000, "`bytes` of each flood message's payload")
	floodChar := flags.String("flood-char", "<", "what flood payloads are made of")
	floodRate := flags.Float64("flood-rate", 19, "flood messages a second per client")
	floodFor := flags.Duration("flood-for", 10*time.Second, "how long the flood lasts")
	cpuProfile := flags.String("pprof", "", "write the load generator's own CPU profile to this `file`")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}
	if err := checkLoopback(ctx, *url); err != nil {
		return err
	}
	switch {
	case *idle < 0, *receivers < 0, *dialers < 1:
		return errors.New("-idle, -receivers and -dialers must be positive")
	case *idle == 0 && (*senders < 1 || *messages < 1 || *window < 1):
		return errors.New("-senders, -messages and -window must be at least 1")
	case *idle == 0 && *receivers+*senders < 2:
		return errors.New("a broadcast needs someone to receive it: add -receivers or -senders")
	}

	ctx, cancel := context.WithTimeoutCause(ctx, *timeout, fmt.Errorf("timed out after %v (-timeout)", *timeout))
	defer cancel()

	var srv *server
	if *pid != 0 {
		var err error
		if srv, err = newServer(*pid); err != nil {
			return err
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	summary, data := stdout, io.Discard
	if *asJSON {
		summary, data = stderr, stdout
	}
	if *flood > 0 {
		if *floodSize < 1 || *floodChar == "" || *floodRate <= 0 {
			return errors.New("-flood-size, -flood-char and -flood-rate must be more than nothing")
		}
		res, err := runFlood(ctx, floodConfig{
			url: *url, clients: *flood, size: *floodSize, char: *floodChar, rate: *floodRate,
			duration: *floodFor, server: srv,
		})
		if err != nil {
			return err
		}
		res.print(summary)
		return printJSON(data, res)
	}
	if *idle > 0 {
		res, err := runIdle(ctx, idleConfig{
			url: *url, count: *idle, hold: *hold, dialers: *dialers, notices: *notices,
			server: srv, progress: *progress, stderr: stderr,
		})
		if err != nil {
			return err
		}
		res.print(summary)
		if err := printJSON(data, res); err != nil {
			return err
		}
		if res.Failed > 0 || res.Dropped > 0 {
			return errIncomplete
		}
		return nil
	}
	res, err := runBroadcast(ctx, broadcastConfig{
		url: *url, receivers: *receivers, senders: *senders, messages: *messages,
		window: *window, dialers: *dialers, noticeWait: *notices, server: srv, progress: *progress, stderr: stderr,
	})
	if err != nil {
		return err
	}
	res.print(summary)
	if err := printJSON(data, res); err != nil {
		return err
	}
	if res.Lost > 0 || res.Failed > 0 || res.Dropped > 0 || res.Stopped != "" {
		return errIncomplete
	}
	return nil
}
