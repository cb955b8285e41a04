package cluster

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

// How an instance stays connected to NATS.
const (
	// connectTimeout bounds one attempt to reach a NATS server.
	connectTimeout = 2 * time.Second

	// reconnectWait is the pause between attempts to get back to a lost
	// broker; short, because until then other instances cannot be reached.
	reconnectWait = 500 * time.Millisecond

	// pingInterval and maxPingsOut notice a broker that has gone silent
	// without closing the connection (a network cut rather than a crash)
	// within a few seconds instead of nats.go's default of minutes.
	pingInterval = 2 * time.Second
	maxPingsOut  = 2

	// embedAttempts bounds the connect-or-embed loop of Dial. Losing the
	// race for the port once means someone else won it; a second failure to
	// connect then means something other than NATS holds the port.
	embedAttempts = 3

	// tokenWait bounds how long Dial retries a broker that refuses the
	// token read from its file: one that has just started writes its new
	// token a moment after it starts listening.
	tokenWait = 5 * time.Second
)

// Options say where the broker is and how to get in.
type Options struct {
	// URL is the NATS server, or the comma-separated servers of a NATS
	// cluster. If it is a single address on this machine and nothing
	// answers there, an embedded broker is started on it.
	URL string

	// Token, if not empty, is presented to the broker, and required by an
	// embedded one. If empty, an embedded broker makes up its own and
	// shares it through a file in StateDir.
	Token string

	// StateDir holds the embedded broker's token files and its (empty)
	// JetStream directory.
	StateDir string

	// NoEmbed forbids starting an embedded broker: the broker is one an
	// operator runs, on this machine or not.
	NoEmbed bool

	Logger *log.Logger
}

// Broker is this instance's connection to NATS, and the embedded NATS
// server if this instance runs one.
type Broker struct {
	Conn *nats.Conn

	opts  Options
	host  string
	port  int
	local bool // a single address on this machine, where an embedded broker may run

	takingOver atomic.Bool    // an attempt to take the broker over is under way
	attempts   sync.WaitGroup // takeover attempts, for Close

	mu       sync.Mutex
	embedded *Embedded // the broker this instance runs, if any
	closed   bool
}

// Dial connects to the NATS server (or cluster) at opts.URL. If nothing
// answers and the URL is a single address on this machine, Dial starts an
// embedded NATS server there and connects to it, so the demo needs nothing
// installed.
//
// Two instances started at the same moment both find nothing and both try to
// start a server: one gets the port, the other gets ErrPortTaken and simply
// connects to the winner. Either way they share one broker. The same rule
// picks the instance that takes over when the broker's host dies (see
// reconnectFailed).
func Dial(ctx context.Context, opts Options) (*Broker, error) {
	b := &Broker{opts: opts}
	b.host, b.port, b.local = loopbackAddr(opts.URL)
	b.local = b.local && !opts.NoEmbed
	tokenDeadline := time.Now().Add(tokenWait)
	portTaken := false // the last attempt to embed found the port in use
	for attempt := 1; ; {
		nc, err := b.connect(opts.URL)
		if err == nil {
			b.Conn = nc
			b.logf("NATS: connected to %s", nc.ConnectedUrlRedacted())
			return b, nil
		}
		switch {
		case !b.local:
			return nil, fmt.Errorf("cannot connect to NATS at %s: %w", opts.URL, err)
		case errors.Is(err, nats.ErrAuthorization) && opts.Token == "" && time.Now().Before(tokenDeadline):
			// An embedded broker that started a moment ago, and has not
			// written its token yet: read the file again shortly.
			if err := sleep(ctx, reconnectWait); err != nil {
				return nil, err
			}
			continue
		case portTaken && nothingThere(err) && attempt == embedAttempts:
			// Typically the local end of an outgoing connection.
			return nil, fmt.Errorf("cannot connect to NATS at %s: its port is in use, but nothing answers there", opts.URL)
		case !nothingThere(err) || attempt == embedAttempts:
			return nil, fmt.Errorf("cannot connect to NATS at %s: %w", opts.URL, err)
		}
		attempt++

		emb, err := b.embed()
		if portTaken = errors.Is(err, ErrPortTaken); portTaken {
			continue // another instance was quicker: connect to its server
		}
		if err != nil {
			return nil, err
		}
		nc, err = b.connect(emb.URL())
		if err != nil {
			emb.Close()
			return nil, fmt.Errorf("cannot connect to the embedded NATS server: %w", err)
		}
		b.Conn, b.embedded = nc, emb
		b.logf("NATS: nothing answered at %s, so this instance started an embedded NATS server there", opts.URL)
		b.logf("NATS: connected to %s", nc.ConnectedUrlRedacted())
		return b, nil
	}
}

// embed starts an embedded broker on the broker's address, with a new token
// unless one was given.
func (b *Broker) embed() (*Embedded, error) {
	token := b.opts.Token
	if token == "" {
		token = NewToken()
	}
	emb, err := StartEmbedded(b.host, b.port, token, b.opts.StateDir)
	if err != nil {
		return nil, err
	}
	// Only the winner of the port writes its token: a loser would
	// overwrite the winner's with one that opens nothing.
	if b.opts.Token == "" {
		if err := WriteToken(TokenFile(b.opts.StateDir, b.port), token); err != nil {
			emb.Close()
			return nil, err
		}
	}
	return emb, nil
}

// token is what this instance presents to the broker each time it connects.
func (b *Broker) token() string {
	if b.opts.Token != "" || !b.local {
		return b.opts.Token
	}
	return ReadToken(TokenFile(b.opts.StateDir, b.port))
}

// reconnectFailed is called by nats.go each time an attempt to get back to
// the broker fails. If nothing answers at the broker's address any more,
// its host has died: this instance tries to start a broker there itself, by
// the rule of Dial. One of the surviving instances gets the port; the others
// (and this one) connect to it on their next attempt.
func (b *Broker) reconnectFailed(_ *nats.Conn, err error) {
	if !b.local || !nothingThere(err) || !b.takingOver.CompareAndSwap(false, true) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		b.takingOver.Store(false)
		return
	}
	b.attempts.Go(func() {
		defer b.takingOver.Store(false)
		emb, err := b.embed()
		if errors.Is(err, ErrPortTaken) {
			return // another instance took it over first
		}
		if err != nil {
			b.logf("NATS: cannot take the broker over: %v", err)
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.closed || b.embedded != nil {
			emb.Close()
			return
		}
		b.embedded = emb
		b.logf("NATS: nothing answers at %s any more, so this instance started an embedded NATS server there", b.opts.URL)
	})
}

// Close disconnects from NATS and stops the embedded server, if any. The
// other instances then lose their broker, and one of them takes it over.
func (b *Broker) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.Conn.Close()
	b.attempts.Wait()
	if b.embedded != nil {
		b.embedded.Close()
	}
}

func (b *Broker) logf(format string, args ...any) { b.opts.Logger.Printf(format, args...) }

// connect opens a connection that reconnects by itself, forever, whenever
// it is lost.
func (b *Broker) connect(natsURL string) (*nats.Conn, error) {
	return connect(natsURL, b.token,
		nats.ReconnectErrHandler(b.reconnectFailed))
}

// connect opens a connection the way instances do. token, if not nil, gives
// the token to present, asked again at every reconnection.
func connect(natsURL string, token func() string, more ...nats.Option) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("wstutorial 04-scaling server"),
		// An instance delivers its own events to its own clients directly;
		// it does not need the broker to send them back.
		nats.NoEcho(),
		nats.Timeout(connectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(maxPingsOut),
		// While disconnected, publishing fails at once instead of piling
		// up in a buffer to be sent, stale, after reconnecting. Presence
		// brings the others up to date when the link is back.
		nats.ReconnectBufSize(-1),
		// A broker that has just taken over may refuse the old token
		// until its new one is read: keep trying, never give up.
		nats.IgnoreAuthErrorAbort(),
	}
	if token != nil {
		opts = append(opts, nats.TokenHandler(token))
	}
	return nats.Connect(natsURL, append(opts, more...)...)
}

// nothingThere reports whether a connect error means that no server listens
// (nats.go's word for it when every attempt was refused, or the refusal
// itself when a reconnection attempt reports it), as opposed to one
// that answered and turned us down, which an embedded server would not fix.
func nothingThere(err error) bool {
	return errors.Is(err, nats.ErrNoServers) || errors.Is(err, syscall.ECONNREFUSED)
}

// sleep waits for d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loopbackAddr returns the host and port of natsURL, and whether it is a
// single address on this machine, where an embedded server may be started.
func loopbackAddr(natsURL string) (host string, port int, ok bool) {
	if strings.Contains(natsURL, ",") {
		return "", 0, false // a list of servers: a real cluster
	}
	u, err := url.Parse(natsURL)
	if err != nil || (u.Scheme != "nats" && u.Scheme != "") || u.User != nil {
		return "", 0, false
	}
	host = u.Hostname()
	port = 4222 // NATS's usual port
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return "", 0, false
		}
	}
	ip := net.ParseIP(host)
	return host, port, host == "localhost" || (ip != nil && ip.IsLoopback())
}
