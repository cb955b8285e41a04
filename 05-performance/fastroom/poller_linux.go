//go:build linux && !plainreads

package fastroom

import (
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"github.com/gorilla/websocket"
	"golang.org/x/sys/unix"
)

// A goroutine blocked in a read costs a stack of a few KB for as long as
// its connection is open, and most connections are quiet most of the time.
// On Linux the room does without: it asks epoll which connections have
// bytes to read, and one goroutine reads those and only those, as Node and
// Bun read on their one thread. A quiet connection then costs no goroutine
// at all. (Reading is the small part of the work; the writers, which do
// most of it, run on every core (writers.go). A pool of reading workers
// fed by this goroutine was measured too: handing each connection over
// cost more CPU than the reading itself.)
//
// Each connection is watched with EPOLLONESHOT: once epoll has reported
// it, it is not reported again until its turn is over and it is re-armed,
// so only one goroutine at a time ever reads a connection, and the order of
// its messages holds. A turn reads a connection once, at most readChunk
// bytes, then re-arms it and moves on: a client that sends without pause
// goes to the back of the line, and cannot keep the reader to itself.
//
// The epoll instance is itself a file Go's runtime can wait on: it is
// readable when some connection is. So the reading goroutine parks in Go's
// own poller like any reader, with no thread held.
//
// Building with -tags plainreads, or on another system, gives the plain
// path: a reader goroutine per connection (poller_other.go).

// poller watches connections with epoll and gives the readable ones a turn.
type poller struct {
	epoll   *os.File // the epoll instance, as a file Go's runtime can wait on
	epfd    int      // its descriptor, for epoll_ctl
	running sync.WaitGroup

	mu      sync.Mutex
	watched map[int]*Client // by id: every connection in the epoll instance
	closed  bool
}

// watchEvents is what epoll reports for a connection: bytes to read, or
// the peer gone; then nothing until its turn re-arms it.
const watchEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

// newPoller starts a poller.
func newPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("setnonblock", err)
	}
	p := &poller{
		epoll:   os.NewFile(uintptr(fd), "epoll"),
		epfd:    fd,
		watched: make(map[int]*Client),
	}
	raw, err := p.epoll.SyscallConn()
	if err != nil {
		p.epoll.Close()
		return nil, err
	}
	p.running.Add(1)
	go p.read(raw)
	return p, nil
}

// read gives every connection epoll reports a turn, until the poller is
// closed.
func (p *poller) read(raw syscall.RawConn) {
	defer p.running.Done()
	events := make([]unix.EpollEvent, 256)
	buf := make([]byte, readChunk)
	var k cork // the writers the batch's messages need (see cork.go)
	for {
		var n int
		var waitErr error
		err := raw.Read(func(fd uintptr) bool {
			n, waitErr = epollWait(fd, events)
			// Nothing yet: Go's runtime parks us until the instance is
			// readable, then calls again.
			return n > 0 || waitErr != nil
		})
		switch {
		case err != nil: // closed
			return
		case waitErr == unix.EINTR:
			continue
		case waitErr != nil:
			panic(fmt.Sprintf("fastroom: epoll_wait: %v", waitErr))
		}
		for _, e := range events[:n] {
			p.mu.Lock()
			c := p.watched[int(e.Fd)]
			p.mu.Unlock()
			if c != nil {
				c.turn(buf, &k)
			}
		}
		k.flush()
	}
}

// resume gives c a turn once its wait for its rate is over, from the
// timer's own goroutine: c is not watched meanwhile, so no other turn at c
// can run.
func (p *poller) resume(c *Client) {
	if !p.watching(c) {
		return // it has left
	}
	buf := readBuffers.Get().(*[]byte)
	defer readBuffers.Put(buf)
	var k cork
	c.turn(*buf, &k)
	k.flush()
}

// readBuffers lends buffers to the turns resumed after a wait.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// add starts watching c's connection.
func (p *poller) add(c *Client) error {
	var fd int
	if err := c.ready.raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	ev := unix.EpollEvent{Events: watchEvents, Fd: int32(c.id)}
	if err := epollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	c.ready.fd = fd
	p.watched[c.id] = c
	return nil
}

// rearm lets epoll report c again: its turn is over. If
// bytes are already waiting, epoll reports it at once.
func (p *poller) rearm(c *Client) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.watched[c.id] != c {
		return nil // it has left
	}
	ev := unix.EpollEvent{Events: watchEvents, Fd: int32(c.id)}
	return os.NewSyscallError("epoll_ctl", epollCtl(p.epfd, unix.EPOLL_CTL_MOD, c.ready.fd, &ev))
}

// remove stops watching c's connection. It must run before the connection
// is closed: a closed descriptor's number is soon given to another one.
func (p *poller) remove(c *Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.watched[c.id] != c {
		return
	}
	delete(p.watched, c.id)
	_ = epollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.ready.fd, &unix.EpollEvent{})
}

// watching tells whether c is still in the poller, that is, has not left.
func (p *poller) watching(c *Client) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.watched[c.id] == c
}

// close stops the poller once every client has left.
func (p *poller) close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if already {
		return
	}
	p.epoll.Close() // ends read's wait
	p.running.Wait()
}

// writeSome writes as much of p as the socket takes at once, without
// waiting: 0 if it has no room at all. A write error is left for the
// writer goroutine that takes over (see writers.go) to find again.
//
// It writes inside raw.Control, not raw.Write: raw.Write first checks the
// connection's write deadline, and the deadlines set for gorilla's control
// frames and for blocking writes are left to run out, so ten seconds after
// a ping every write would fail there. Control still keeps the descriptor
// open for the call; batchConn's lock already keeps other writers out.
func writeSome(raw syscall.RawConn, p []byte) (int, error) {
	var n int
	var writeErr error
	err := raw.Control(func(fd uintptr) {
		n, writeErr = rawCall(unix.SYS_WRITE, fd, p)
	})
	switch {
	case err != nil:
		return 0, err
	case writeErr == unix.EAGAIN || writeErr == unix.EINTR:
		return 0, nil
	case writeErr != nil:
		return 0, os.NewSyscallError("write", writeErr)
	}
	return n, nil
}

// readSome reads what has arrived on a connection, without waiting: it
// returns errNothingYet if nothing has.
func readSome(raw syscall.RawConn, buf []byte) (int, error) {
	var n int
	var readErr error
	err := raw.Read(func(fd uintptr) bool {
		n, readErr = rawCall(unix.SYS_READ, fd, buf)
		return true // never wait: epoll says when to come back
	})
	switch {
	case err != nil:
		return 0, err
	case readErr == unix.EAGAIN || readErr == unix.EINTR:
		return 0, errNothingYet
	case readErr != nil:
		return 0, os.NewSyscallError("read", readErr)
	case n == 0: // the peer left without a close frame; say it as gorilla does
		return 0, &websocket.CloseError{Code: websocket.CloseAbnormalClosure, Text: io.ErrUnexpectedEOF.Error()}
	}
	return n, nil
}

// The system calls of the poller, the turns and the workers are made with
// RawSyscall, without telling Go's scheduler. A call that may block must
// tell it: the scheduler then lends the goroutine's processor to another
// thread if the call takes long, and its monitor thread (sysmon) wakes up
// every 20 µs while calls are under way, to check. These calls never
// block: the sockets are non-blocking, and epoll_wait is asked not to
// wait. Without the bookkeeping the server spent 10 to 20% less CPU time
// per delivery. (unsafe is only for passing an address, as x/sys/unix
// does inside.)

// rawCall makes a read or write system call on a non-blocking socket.
func rawCall(call, fd uintptr, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := unix.RawSyscall(call, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// epollWait returns the connections ready now, without waiting.
func epollWait(epfd uintptr, events []unix.EpollEvent) (int, error) {
	n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, epfd,
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0 /* timeout */, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// epollCtl adds, re-arms or removes a connection.
func epollCtl(epfd, op, fd int, ev *unix.EpollEvent) error {
	_, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), uintptr(op), uintptr(fd),
		uintptr(unsafe.Pointer(ev)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
