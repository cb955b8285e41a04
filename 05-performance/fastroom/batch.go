package fastroom

import (
	"bufio"
	"encoding/binary"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// Sending a message over TCP costs one system call, and on a busy server that
// call is most of the cost of a delivery: the kernel does all of TCP's work
// for it there and then. When a client has several messages waiting, it is
// much cheaper to write them all with one call.
//
// A message also needs a WebSocket frame around it: a header of two to ten
// bytes. Every recipient of a broadcast gets the same frame (a server does
// not mask its frames), so the room builds it once (textFrame), and each
// writer copies the frames waiting for its client into one buffer and sends
// it with one write. gorilla/websocket would frame the message again for
// every client, and write each one by itself; the room uses gorilla for
// everything else: the handshake, reading, and control frames.

// maxBatch is how many bytes a writer gathers before it sends them: enough
// for a few hundred chat messages, so a busy client's backlog goes out in a
// handful of system calls, and small enough that the buffer is cheap.
const maxBatch = 32 * 1024

// batchBuffers lends out batch buffers for the moment of a write, so an idle
// connection holds none.
var batchBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// textFrame returns data framed as one final text frame (RFC 6455, 5.2),
// unmasked, as a server sends it.
func textFrame(data []byte) []byte {
	const finText = 0x81 // FIN bit, opcode 1 (text)
	var frame []byte
	switch n := len(data); {
	case n < 126:
		frame = append(make([]byte, 0, 2+n), finText, byte(n))
	case n <= 0xFFFF:
		frame = append(make([]byte, 0, 4+n), finText, 126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(n))
	default:
		frame = append(make([]byte, 0, 10+n), finText, 127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	return append(frame, data...)
}

// batchConn is the connection as gorilla/websocket sees it. Its mutex keeps
// whole frames together: gorilla's control frames (a ping, a pong, a close),
// written from any goroutine, go out between two batches, never inside one.
type batchConn struct {
	net.Conn
	mu sync.Mutex

	// in, when set, is where gorilla reads from instead of the socket: the
	// client is read on readiness (see inbox.go).
	in *inbox

	// closeSent is set once our close frame has gone out: no data frame
	// may follow it (RFC 6455, 5.5.1). A writer that checked the client
	// was not stopped just before the close went out would otherwise send
	// its batch after it. Guarded by mu.
	closeSent bool
}

// closeFrameStart is the first byte of a close frame: FIN, opcode 8.
const closeFrameStart = 0x88

// Read is gorilla's read.
func (b *batchConn) Read(p []byte) (int, error) {
	if b.in != nil {
		return b.in.Read(p)
	}
	return b.Conn.Read(p)
}

// Write sends one of gorilla's frames (it writes each control frame with
// one call).
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(p) > 0 && p[0] == closeFrameStart {
		b.closeSent = true
	}
	return b.Conn.Write(p)
}

// writeFrames sends frames, oldest first, with one system call per maxBatch
// bytes.
func (b *batchConn) writeFrames(frames []*[]byte) error {
	buf := batchBuffers.Get().(*[]byte)
	defer batchBuffers.Put(buf)
	for i, f := range frames {
		*buf = append(*buf, *f...)
		if len(*buf) >= maxBatch || i == len(frames)-1 {
			if err := b.send(*buf); err != nil {
				*buf = (*buf)[:0]
				return err
			}
			*buf = (*buf)[:0]
		}
	}
	return nil
}

// sendNow writes p as far as the socket takes it without waiting, and
// returns what it did not take. If that is not empty, the lock stays held:
// no other frame may go out before the rest, which sendRest sends. If
// another frame is being written (a ping to a client that does not read
// may take seconds), sendNow does not wait for it either: it sends nothing
// and returns sent false.
func (b *batchConn) sendNow(raw syscall.RawConn, p []byte) (rest []byte, sent bool) {
	if !b.mu.TryLock() {
		return p, false
	}
	if b.closeSent {
		b.mu.Unlock()
		return nil, true // too late: thrown away, as send does
	}
	n, err := writeSome(raw, p)
	if err == nil && n == len(p) {
		b.mu.Unlock()
		return nil, true
	}
	return p[n:], true
}

// sendRest sends what sendNow left, waiting at most wait, and unlocks. A
// broken connection that made sendNow stop fails here again.
func (b *batchConn) sendRest(rest []byte, wait time.Duration) error {
	defer b.mu.Unlock()
	_ = b.Conn.SetWriteDeadline(time.Now().Add(wait))
	_, err := b.Conn.Write(rest)
	return err
}

// send writes p, unless our close frame has gone out: then it throws p
// away.
func (b *batchConn) send(p []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closeSent {
		return nil
	}
	_, err := b.Conn.Write(p)
	return err
}

// batchingWriter is the http.ResponseWriter handed to the upgrader: when the
// upgrader takes the connection over (hijacks it), it gets the connection
// wrapped in a batchConn.
type batchingWriter struct{ http.ResponseWriter }

func (w batchingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &batchConn{Conn: conn}, rw, nil
}
