package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// embeddedReady bounds how long an embedded NATS server may take to start
// accepting connections once it has its port.
const embeddedReady = 5 * time.Second

// ErrPortTaken is returned by StartEmbedded when something already listens
// on the address, typically another instance that started its own embedded
// server a moment earlier.
var ErrPortTaken = errors.New("port already in use")

// Embedded is a NATS server running inside this process, with JetStream,
// which the id counter needs.
//
// It keeps nothing on disk: the counter's bucket is held in memory (see
// Counter). JetStream still wants a directory of its own, and checks at start
// that it can create and remove folders there. Two servers starting on one
// directory at the same moment undo each other's checks, and one of them
// fails to start, so each gets a fresh, empty one in storeDir, removed by
// Close (an instance killed with kill -9 leaves it there, empty).
type Embedded struct {
	srv *server.Server
	dir string // this server's JetStream directory
}

// StartEmbedded starts a NATS server on host:port; port 0 picks a free port.
// If token is not empty, only clients that present it may connect. It returns
// ErrPortTaken if something else already listens there, another error if the
// server could not start for another reason.
func StartEmbedded(host string, port int, token, storeDir string) (*Embedded, error) {
	where := fmt.Sprintf("embedded NATS on %s:%d", host, port)
	if port == 0 {
		port = server.RANDOM_PORT // to nats-server, 0 means its default, 4222
	}
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	dir, err := os.MkdirTemp(storeDir, "nats-data-")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	opts := &server.Options{
		Host:          host,
		Port:          port,
		Authorization: token,
		JetStream:     true,
		StoreDir:      dir,
		NoSigs:        true, // Ctrl-C belongs to our server, which shuts this one down
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	e := &Embedded{srv: srv, dir: dir}

	// Start returns once the server listens, or as soon as it has failed:
	// it cannot listen, or JetStream cannot start. It says why only in its
	// log, which startLog keeps.
	failure := &startLog{}
	srv.SetLogger(failure, false, false)
	srv.Start()
	switch {
	case srv.Addr() == nil && failure.portTaken():
		e.Close() // another process won the race for the port
		return nil, fmt.Errorf("%s: %w", where, ErrPortTaken)
	case srv.Addr() == nil:
		e.Close()
		return nil, fmt.Errorf("%s did not start: %s", where, failure.reason())
	case !srv.ReadyForConnections(embeddedReady):
		e.Close()
		return nil, fmt.Errorf("%s did not become ready within %s", where, embeddedReady)
	case !srv.JetStreamEnabled():
		e.Close()
		return nil, fmt.Errorf("%s could not enable JetStream (directory %s)", where, dir)
	}
	return e, nil
}

// URL returns the address clients connect to, such as nats://127.0.0.1:4222.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Close shuts the server down, which disconnects every client, and removes
// its directory.
func (e *Embedded) Close() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	os.RemoveAll(e.dir)
}

// Port returns the port the server listens on.
func (e *Embedded) Port() int { return e.srv.Addr().(*net.TCPAddr).Port }

// startLog is the embedded server's log: it prints nothing (we print our own,
// fewer, lines) but keeps the first fatal error, which is all the server
// says about why it did not start.
type startLog struct {
	mu    sync.Mutex
	fatal string
}

func (l *startLog) Fatalf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fatal == "" {
		l.fatal = fmt.Sprintf(format, v...)
	}
}

func (l *startLog) reason() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fatal == "" {
		return "no reason given"
	}
	return l.fatal
}

// portTaken reports whether the server failed because it could not listen
// on a port that is in use.
func (l *startLog) portTaken() bool {
	return strings.Contains(l.reason(), syscall.EADDRINUSE.Error())
}

func (*startLog) Noticef(string, ...any) {}
func (*startLog) Warnf(string, ...any)   {}
func (*startLog) Errorf(string, ...any)  {}
func (*startLog) Debugf(string, ...any)  {}
func (*startLog) Tracef(string, ...any)  {}
