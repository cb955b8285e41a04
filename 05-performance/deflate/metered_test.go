package deflate

import (
	"io"
	"net"
	"sync/atomic"
)

// meteredConn is the server's end of a TCP connection, counting the bytes
// the server writes to it: exactly what goes on the wire, frame headers
// included.
type meteredConn struct {
	net.Conn
	written atomic.Int64
	tee     io.Writer // if set, gets a copy of every byte written (tests only read it)
}

func (c *meteredConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	if c.tee != nil {
		c.tee.Write(p[:n])
	}
	return n, err
}

// meteredListener hands the HTTP server metered connections; gorilla's
// upgrader takes them over as they are (conn.NetConn() returns one).
type meteredListener struct{ net.Listener }

func (l meteredListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &meteredConn{Conn: conn}, nil
}
