package fastroom

import (
	"runtime"
	"sync"
)

// A client with messages waiting needs someone to write them. A goroutine
// started for each client with work costs more than the write it makes
// when, as in a busy room, every broadcast gives work to every receiver:
// starting it, scheduling it, its deadline, its stack. So where the room
// reads on readiness (see poller_linux.go), a few workers, one per core,
// write for everyone: each takes the next client in line and sends what
// waits for it with a write that never waits (writeSome).
//
// Nearly always the socket takes it all: a client that reads keeps room in
// its buffers. When it does not, the client is slow for the moment, and a
// worker must not wait for it: the client gets a writer goroutine of its
// own (writeLoop), which waits as long as writeWait allows and carries on
// until its outbox is empty. A slow client therefore costs a goroutine
// while it is slow, and no one else anything.
type writerPool struct {
	mu      sync.Mutex
	more    sync.Cond // signalled when clients join the line, or on close
	line    []*Client // the clients owed a writer, first come first served
	closed  bool
	running sync.WaitGroup
}

// newWriterPool starts one worker per core.
func newWriterPool() *writerPool {
	p := &writerPool{}
	p.more.L = &p.mu
	for range runtime.GOMAXPROCS(0) {
		p.running.Add(1)
		go p.work()
	}
	return p
}

// start puts clients in line for a worker, all at once. Each is owed a
// writer: its outbox says it has one (see outbox.put), and only a worker
// will take it.
func (p *writerPool) start(clients ...*Client) {
	p.mu.Lock()
	p.line = append(p.line, clients...)
	p.mu.Unlock()
	if len(clients) == 1 {
		p.more.Signal()
	} else {
		p.more.Broadcast()
	}
}

// work writes for the clients in line, one after another, until the pool
// is closed and the line is empty.
func (p *writerPool) work() {
	defer p.running.Done()
	buf := make([]byte, 0, maxBatch)
	for {
		p.mu.Lock()
		for len(p.line) == 0 && !p.closed {
			p.more.Wait()
		}
		if len(p.line) == 0 {
			p.mu.Unlock()
			return
		}
		c := p.line[0]
		p.line[0] = nil
		p.line = p.line[1:]
		if len(p.line) == 0 {
			p.line = p.line[:0:0] // let the drained array go
		}
		p.mu.Unlock()
		buf = c.writeNow(buf)
	}
}

// close ends the workers once the line is empty. The room closes its pool
// when every client's writer has finished.
func (p *writerPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.more.Broadcast()
	p.running.Wait()
}

// writeNow is a worker's turn at c: it sends what waits for c, as long as
// the socket takes it at once, and returns buf for the next client. Once
// the outbox is empty, c has no writer. A backlog larger than maxBatch, a
// socket that takes less than all, or a connection busy with another frame
// goes to a writer goroutine of c's own.
func (c *Client) writeNow(buf []byte) []byte {
	for {
		batch := c.out.take(nil)
		size := sizeOf(batch)
		switch {
		case len(batch) == 0:
			c.letGo() // as writeLoop does when it ends
			c.room.running.Done()
			return buf
		case c.isStopped():
			c.room.budget.Release(int64(size))
			continue // empty the outbox without writing
		case size > maxBatch || c.ready == nil:
			// A backlog: the client is busy. (A client not read on
			// readiness has no socket for writeSome; the room's clients
			// are, unless their connection is not a plain socket.)
			go c.writeLoop(batch)
			return buf
		}
		buf = buf[:0]
		for _, f := range batch {
			buf = append(buf, *f...)
		}
		rest, sent := c.batch.sendNow(c.ready.raw, buf)
		switch {
		case !sent: // a control frame is being written to c: do not wait
			go c.writeLoop(batch)
			return buf
		case len(rest) > 0:
			// The socket took less than all: sendNow kept the connection's
			// lock, and what is left must go before any other frame.
			go c.finishSend(append([]byte(nil), rest...), size)
			return buf
		}
		c.room.budget.Release(int64(size))
	}
}

// finishSend is a writer goroutine's start when a worker could not send all
// of a batch of size bytes at once: rest is what the socket has not taken,
// and the connection's lock is still held for it.
func (c *Client) finishSend(rest []byte, size int) {
	wait := writeWait
	if c.isStopped() { // stopped meanwhile: as little time as stop gave it
		wait = closeGrace
	}
	err := c.batch.sendRest(rest, wait)
	if err != nil {
		c.stop(0, "") // the connection is broken: stop taking messages
	}
	c.room.budget.Release(int64(size))
	c.writeLoop(nil)
}
