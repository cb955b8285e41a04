package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
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

// Embedded is a NATS server running inside this process, with JetStream
// (which the id counter needs) storing its data in a fresh temporary
// directory.
type Embedded struct {
	srv *server.Server
	dir string
}

// StartEmbedded starts a NATS server on host:port; port 0 picks a free port.
func StartEmbedded(host string, port int) (*Embedded, error) {
	dir, err := os.MkdirTemp("", "wstutorial-nats-")
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	if port == 0 {
		port = server.RANDOM_PORT // to nats-server, 0 means its default, 4222
	}
	opts := &server.Options{
		Host:      host,
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoSigs:    true, // Ctrl-C belongs to our server, which shuts this one down
		NoLog:     true, // we print our own, fewer, lines
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	e := &Embedded{srv: srv, dir: dir}

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
		return nil, fmt.Errorf("embedded NATS on %s:%d could not enable JetStream (store %s)", host, port, dir)
	}
	return e, nil
}

// URL returns the address clients connect to, such as nats://127.0.0.1:4222.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Close shuts the server down, which disconnects every client, and deletes
// its data.
func (e *Embedded) Close() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	os.RemoveAll(e.dir)
}

// Port returns the port the server listens on.
func (e *Embedded) Port() int { return e.srv.Addr().(*net.TCPAddr).Port }
