package cluster

import (
	"errors"
	"fmt"
	"net"
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
// Counter), so JetStream's directory, storeDir, stays empty, and a crash
// leaves nothing behind. Every embedded server may share one directory.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a NATS server on host:port; port 0 picks a free port.
// If token is not empty, only clients that present it may connect.
func StartEmbedded(host string, port int, token, storeDir string) (*Embedded, error) {
	if port == 0 {
		port = server.RANDOM_PORT // to nats-server, 0 means its default, 4222
	}
	opts := &server.Options{
		Host:          host,
		Port:          port,
		Authorization: token,
		JetStream:     true,
		StoreDir:      storeDir,
		NoSigs:        true, // Ctrl-C belongs to our server, which shuts this one down
		NoLog:         true, // we print our own, fewer, lines
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	e := &Embedded{srv: srv}

	// Start returns once the server has tried to listen. If the port was
	// taken, it has no listener: another process won the race for it.
	srv.Start()
	switch {
	case srv.Addr() == nil:
		e.Close()
		return nil, fmt.Errorf("embedded NATS on %s:%d: %w", host, port, ErrPortTaken)
	case !srv.ReadyForConnections(embeddedReady):
		e.Close()
		return nil, fmt.Errorf("embedded NATS on %s:%d did not become ready within %s", host, port, embeddedReady)
	case !srv.JetStreamEnabled():
		e.Close()
		return nil, fmt.Errorf("embedded NATS on %s:%d could not enable JetStream (directory %s)", host, port, storeDir)
	}
	return e, nil
}

// URL returns the address clients connect to, such as nats://127.0.0.1:4222.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Close shuts the server down, which disconnects every client.
func (e *Embedded) Close() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// Port returns the port the server listens on.
func (e *Embedded) Port() int { return e.srv.Addr().(*net.TCPAddr).Port }
