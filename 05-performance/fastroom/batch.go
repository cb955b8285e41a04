package fastroom

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// Sending a message over TCP costs one system call, and on a busy server that
// call is most of the cost of a delivery: the kernel does all of TCP's work
// for it there and then. When a client has several messages waiting, it is
// much cheaper to write them all with one call. gorilla/websocket writes each
// message as soon as it is given one, so the batching happens underneath it,
// in the connection it writes to.

// maxBatch is how many bytes a writer gathers before it sends them: enough
// for a few hundred chat messages, so a busy client's backlog goes out in a
// handful of system calls, and small enough that the buffer is cheap.
const maxBatch = 32 * 1024

// batchBuffers lends out batch buffers for the moment of a write, so an idle
// connection holds none.
var batchBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// batchConn is the connection as gorilla/websocket sees it. Outside a batch,
// writes go straight to the network. Between gather and flush they are
// collected in memory, and flush sends them with a single write.
//
// The writer goroutine is the only one that starts and flushes batches; the
// mutex is for gorilla's control frames (a pong, a close), which may be
// written from another goroutine: one that arrives during a batch joins it.
type batchConn struct {
	net.Conn

	mu       sync.Mutex
	gathered *[]byte // nil outside a batch
}

// Write sends p, or adds it to the batch being gathered.
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gathered == nil {
		return b.Conn.Write(p)
	}
	*b.gathered = append(*b.gathered, p...)
	return len(p), nil
}

// gather starts a batch.
func (b *batchConn) gather() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gathered = batchBuffers.Get().(*[]byte)
}

// full reports whether the batch has reached maxBatch bytes.
func (b *batchConn) full() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(*b.gathered) >= maxBatch
}

// flush ends the batch and sends what it gathered, in one write.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	buf := b.gathered
	b.gathered = nil
	_, err := b.Conn.Write(*buf)
	*buf = (*buf)[:0]
	batchBuffers.Put(buf)
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
