// Command loadgen fills rooms of lesson 7 with clients and keeps every room
// talking, then reports what it measured as one JSON line.
//
// Room k (for k from -first to -first+-rooms-1) is called load-k, lives on
// instance k mod len(-urls), and gets -size members. Its first member says
// something every -every; the others receive it, and each delivery's
// latency is measured from the send time the message carries. Connections
// are spread over the local addresses of -sources (127.0.0.1, 127.0.0.2, …):
// each address gives about 28,000 ports towards one server port.
//
// A process may hold about 19,000 connections (20,000 file descriptors); to
// go further, run several, each with its own -first.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Result is what one run reports.
type Result struct {
	Connections   int     `json:"connections"`
	Failed        int     `json:"failed"`
	Rooms         int     `json:"rooms"`
	Sent          int64   `json:"sent"`
	Deliveries    int64   `json:"deliveries"`
	Seconds       float64 `json:"seconds"`
	DeliveriesPS  float64 `json:"deliveries_per_second"`
	LatencyP50ms  float64 `json:"latency_p50_ms"`
	LatencyP99ms  float64 `json:"latency_p99_ms"`
	LatencyMaxms  float64 `json:"latency_max_ms"`
	ConnectSecond float64 `json:"connect_seconds"`
	FirstError    string  `json:"first_error,omitempty"`
}

// dialing bounds the handshakes in flight, so a ramp of thousands does not
// overflow the server's listen backlog.
const dialing = 64

// errUsage is returned for a command line the flag package has reported.
var errUsage = errors.New("bad command line")

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	urls := flags.String("urls", "ws://127.0.0.1:5411", "comma-separated `URLs` of the instances")
	sources := flags.String("sources", "127.0.0.1", "comma-separated local `addresses` to connect from")
	rooms := flags.Int("rooms", 10, "how many rooms")
	first := flags.Int("first", 0, "the number of the first room, so that several processes use different rooms")
	size := flags.Int("size", 10, "members per room")
	every := flags.Duration("every", 10*time.Second, "how often each room's speaker speaks")
	duration := flags.Duration("duration", 30*time.Second, "how long the rooms talk, once everyone has joined")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected argument %q; every setting is a flag\n", flags.Arg(0))
		return errUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	l := &load{urls: strings.Split(*urls, ","), sources: strings.Split(*sources, ",")}
	start := time.Now()
	roomList := l.connect(ctx, *first, *rooms, *size)
	connected := time.Since(start)
	fmt.Fprintf(stderr, "joined: %d connections in %.1f s\n", int(l.connected.Load()), connected.Seconds())

	// Talk: every room's speaker on its own clock, started at a random
	// point of the period so the rooms do not all speak at once.
	talk, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	began := time.Now()
	var speakers sync.WaitGroup
	for _, members := range roomList {
		speakers.Go(func() { l.speak(talk, members[0], *every) })
	}
	speakers.Wait()
	elapsed := time.Since(began)
	l.closeAll(roomList)

	r := l.result(roomList, elapsed)
	r.ConnectSecond = connected.Seconds()
	return json.NewEncoder(stdout).Encode(r)
}

// load is the state of a run, shared by every connection's reader.
type load struct {
	urls, sources []string
	connected     atomic.Int64
	failed        atomic.Int64
	firstErr      sync.Once
	errText       string
	sent          atomic.Int64
	deliveries    atomic.Int64

	mu        sync.Mutex
	latencies []time.Duration
	readers   sync.WaitGroup
}

// connect opens every room's members, at most dialing at a time, and
// returns each room's connections (a room with a member missing still
// talks; the failure is counted).
func (l *load) connect(ctx context.Context, first, rooms, size int) [][]*websocket.Conn {
	list := make([][]*websocket.Conn, rooms)
	slots := make(chan struct{}, dialing)
	var wg sync.WaitGroup
	for i := range rooms {
		list[i] = make([]*websocket.Conn, size)
		for j := range size {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				k := first + i
				n := i*size + j
				conn, err := l.dial(ctx, l.urls[k%len(l.urls)], l.sources[n%len(l.sources)], k)
				if err != nil {
					l.fail(err)
					return
				}
				list[i][j] = conn
				l.connected.Add(1)
				l.readers.Go(func() { l.read(conn) })
			})
		}
	}
	wg.Wait()
	for i := range list {
		list[i] = slices.DeleteFunc(list[i], func(c *websocket.Conn) bool { return c == nil })
	}
	return slices.DeleteFunc(list, func(m []*websocket.Conn) bool { return len(m) == 0 })
}

// dial connects from source to room k of the instance at url and waits
// for the room:joined that says the client is a member.
func (l *load) dial(ctx context.Context, url, source string, k int) (*websocket.Conn, error) {
	local := &net.TCPAddr{IP: net.ParseIP(source)}
	d := websocket.Dialer{
		NetDialContext:   (&net.Dialer{LocalAddr: local, Timeout: 30 * time.Second}).DialContext,
		HandshakeTimeout: 30 * time.Second,
		ReadBufferSize:   512,
		WriteBufferSize:  512,
	}
	conn, _, err := d.DialContext(ctx, fmt.Sprintf("%s/rooms/load-%d", url, k), nil)
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var e struct{ Type string }
		if err := conn.ReadJSON(&e); err != nil {
			conn.Close()
			return nil, fmt.Errorf("waiting to join: %w", err)
		}
		if e.Type == "room:joined" {
			_ = conn.SetReadDeadline(time.Time{})
			return conn, nil
		}
	}
}

// read counts a connection's deliveries and their latency until it ends.
func (l *load) read(conn *websocket.Conn) {
	var mine []time.Duration
	defer func() {
		l.mu.Lock()
		l.latencies = append(l.latencies, mine...)
		l.mu.Unlock()
	}()
	for {
		var e struct{ Type, Payload string }
		if err := conn.ReadJSON(&e); err != nil {
			return
		}
		if e.Type != "broadcast" {
			continue
		}
		if sent, err := strconv.ParseInt(e.Payload, 10, 64); err == nil {
			l.deliveries.Add(1)
			mine = append(mine, time.Since(time.Unix(0, sent)))
		}
	}
}

// speak sends the time, as the message, every period until ctx is done.
func (l *load) speak(ctx context.Context, conn *websocket.Conn, period time.Duration) {
	wait := time.NewTimer(rand.N(period))
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
		msg := map[string]string{"type": "broadcast", "payload": strconv.FormatInt(time.Now().UnixNano(), 10)}
		if err := conn.WriteJSON(msg); err != nil {
			l.fail(err)
			return
		}
		l.sent.Add(1)
		wait.Reset(period)
	}
}

// closeAll says goodbye on every connection and waits for the readers,
// which end when the server answers (or after a second, cut).
func (l *load) closeAll(list [][]*websocket.Conn) {
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	for _, members := range list {
		for _, c := range members {
			_ = c.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second))
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
		}
	}
	l.readers.Wait()
	for _, members := range list {
		for _, c := range members {
			c.Close()
		}
	}
}

func (l *load) fail(err error) {
	l.failed.Add(1)
	l.firstErr.Do(func() { l.errText = err.Error() })
}

func (l *load) result(list [][]*websocket.Conn, elapsed time.Duration) Result {
	r := Result{Rooms: len(list), Failed: int(l.failed.Load()), Sent: l.sent.Load(),
		Deliveries: l.deliveries.Load(), Seconds: elapsed.Seconds(), FirstError: l.errText}
	for _, m := range list {
		r.Connections += len(m)
	}
	r.DeliveriesPS = float64(r.Deliveries) / elapsed.Seconds()
	slices.Sort(l.latencies)
	if n := len(l.latencies); n > 0 {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		r.LatencyP50ms = ms(l.latencies[n/2])
		r.LatencyP99ms = ms(l.latencies[n*99/100])
		r.LatencyMaxms = ms(l.latencies[n-1])
	}
	return r
}
