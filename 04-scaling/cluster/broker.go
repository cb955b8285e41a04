package cluster

import (
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"strconv"
	"strings"
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

	// dialAttempts bounds the connect-or-embed loop of Dial. Losing the race
	// for the port once means someone else won it; a second failure to
	// connect then means something other than NATS holds the port.
	dialAttempts = 3
)

// Broker is this instance's connection to NATS, and the embedded NATS
// server if this instance had to start one.
type Broker struct {
	Conn     *nats.Conn
	embedded *Embedded
}

// Dial connects to the NATS server (or cluster: comma-separated URLs) at
// natsURL. If nothing answers and natsURL is a single address on this
// machine, Dial starts an embedded NATS server there and connects to it, so
// the demo needs nothing installed.
//
// Two instances started at the same moment both find nothing and both try to
// start a server: one gets the port, the other gets ErrPortTaken and simply
// connects to the winner. Either way they share one broker.
func Dial(natsURL string, logger *log.Logger) (*Broker, error) {
	host, port, local := loopbackAddr(natsURL)
	for attempt := 1; ; attempt++ {
		nc, err := connect(natsURL)
		if err == nil {
			logger.Printf("NATS: connected to %s", nc.ConnectedUrlRedacted())
			return &Broker{Conn: nc}, nil
		}
		if !local || !nothingThere(err) || attempt == dialAttempts {
			return nil, fmt.Errorf("cannot connect to NATS at %s: %w", natsURL, err)
		}

		emb, err := StartEmbedded(host, port)
		if errors.Is(err, ErrPortTaken) {
			continue // another instance was quicker: connect to its server
		}
		if err != nil {
			return nil, err
		}
		nc, err = connect(emb.URL())
		if err != nil {
			emb.Close()
			return nil, fmt.Errorf("cannot connect to the embedded NATS server: %w", err)
		}
		logger.Printf("NATS: nothing answered at %s, so this instance started an embedded NATS server there", natsURL)
		logger.Printf("NATS: connected to %s", nc.ConnectedUrlRedacted())
		return &Broker{Conn: nc, embedded: emb}, nil
	}
}

// Close disconnects from NATS and stops the embedded server, if any. The
// other instances then lose their broker too, and keep trying to reconnect.
func (b *Broker) Close() {
	b.Conn.Close()
	if b.embedded != nil {
		b.embedded.Close()
	}
}

// connect opens a connection that reconnects by itself, forever, whenever
// it is lost.
func connect(natsURL string) (*nats.Conn, error) {
	return nats.Connect(natsURL,
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
	)
}

// nothingThere reports whether a connect error means that no server listens
// (nats.go's word for it, when every attempt was refused), as opposed to one
// that answered and turned us down, which an embedded server would not fix.
func nothingThere(err error) bool { return errors.Is(err, nats.ErrNoServers) }

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
