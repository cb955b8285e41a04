package deflate

import (
	"io"
	"net"
)

// tappedConn is the client's end of a TCP connection, with taps on both
// directions. What the client reads is exactly what the server put on the
// wire, frame headers included.
//
// The taps are on the client's end, not the server's: gorilla writes a
// long message with one writev system call only if the connection is a
// *net.TCPConn, and a wrapper around the server's end would turn it into
// two writes, and change what is measured.
type tappedConn struct {
	net.Conn
	reads  io.Writer // if set, gets a copy of every byte read
	writes io.Writer // if set, gets a copy of every byte written
}

func (c *tappedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.reads != nil {
		c.reads.Write(p[:n])
	}
	return n, err
}

func (c *tappedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if c.writes != nil {
		c.writes.Write(p[:n])
	}
	return n, err
}
