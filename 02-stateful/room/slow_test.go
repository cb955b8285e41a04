package room

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/progtest"
)

// A client that never reads must not hold up anyone else, and must be
// dropped: when its queue overflows, or when a write to it stalls past the
// write deadline, whichever comes first.
//
// Before the queue can overflow, the write pump has to be stuck, and before
// that the kernel's socket buffers fill up: several megabytes on loopback.
// So the test sends large messages until the queue starts to grow (the write
// pump is stuck), then small ones to fill the queue. The sender never runs
// more than window messages ahead of what a reading client has received,
// which also shows that the stuck client holds nobody up.
func TestClientThatNeverReads(t *testing.T) {
	const (
		// window is how far the sender may run ahead of the reader: enough
		// to keep the room busy, far below a send queue.
		window = 16
		// maxRounds bounds the test: socket buffers of a few MB and a send
		// queue take a few hundred messages; far more means the room never
		// drops the non-reader.
		maxRounds = 3000
	)
	tr := newTestRoom(t)
	sender, reader := tr.connect(t), tr.connect(t)
	stuck, stuckID, err := tr.dial(nil) // nobody ever reads from stuck
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	sender.Expect(Connected(reader.id), Connected(stuckID))
	reader.Expect(Connected(stuckID))
	stuckQueue := tr.client(stuckID).send

	big := strings.Repeat("x", maxMessageSize-100)
	firstSmall := maxRounds + 1 // the first round that sends a small message
	payload := func(round int) string {
		if round < firstSmall {
			return fmt.Sprint(round, " ", big)
		}
		return fmt.Sprint(round)
	}
	heardLeave := false // whether the reader has been told the non-reader left
	receive := func(round int) {
		t.Helper()
		for m := reader.Next(); m.Payload != payload(round); m = reader.Next() {
			if m != Disconnected(stuckID) || heardLeave {
				t.Fatalf("the reader received %.40q, want message %d", m.Payload, round)
			}
			heardLeave = true
		}
	}
	dropped := func() bool {
		_, tooSlow := tr.logged(fmt.Sprintf("Client %d is too slow", stuckID))
		_, gone := tr.logged(fmt.Sprintf("Client %d disconnected", stuckID))
		return tooSlow || gone
	}

	sent := 0
	for ; !dropped(); sent++ {
		if sent == maxRounds {
			t.Fatalf("the non-reader was not dropped after %d messages", sent)
		}
		if firstSmall > maxRounds && len(stuckQueue) > window {
			firstSmall = sent + 1
		}
		sender.send(payload(sent + 1))
		if sent >= window {
			receive(sent + 1 - window)
		}
	}
	t.Logf("the non-reader was dropped after %d messages, %d MB", sent, min(firstSmall-1, sent)*len(big)>>20)
	for round := max(sent+1-window, 1); round <= sent; round++ {
		receive(round)
	}

	// Everyone else hears that it left, and carries on.
	sender.Expect(Disconnected(stuckID))
	if !heardLeave {
		reader.Expect(Disconnected(stuckID))
	}
	sender.send("still here")
	reader.Expect(broadcastOf("still here"))

	// The room has ended the non-reader's connection: reading it now yields
	// what was buffered, then the end (a close frame if the write pump was
	// between two messages when it gave up, usually a cut-off stream).
	_ = stuck.SetReadDeadline(time.Now().Add(waitLimit))
	for {
		_, _, err = stuck.ReadMessage()
		if err != nil {
			break
		}
	}
	t.Logf("the non-reader's connection ended with: %v", err)
	var closeErr *websocket.CloseError
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		t.Fatalf("the non-reader's connection is still open %s after it was dropped", waitLimit)
	case errors.As(err, &closeErr) && closeErr.Code != CloseTooSlow && closeErr.Code != websocket.CloseAbnormalClosure:
		t.Fatalf("the non-reader got close code %d, want %d", closeErr.Code, CloseTooSlow)
	}
}

// Once the room removes a client, the close frame is the next thing the
// client gets, however many messages are still queued for it: at most the
// one being written at that moment comes first. Were the queued messages
// sent first, each could take up to writeWait to a client that reads
// slowly, and the goodbye would wait behind all of them.
//
// The clients connect over in-memory pipes (net.Pipe), where a write waits
// until the other end reads it. A client that reads nothing holds its write
// pump in one write while its queue fills up and overflows, and then the
// test decides exactly what the client reads. There are several clients: a
// write pump that chose at random between a queued message and the goodbye
// would still choose the goodbye first half of the time.
func TestGoodbyeGoesBeforeTheQueue(t *testing.T) {
	const clients = 10
	roomLog := progtest.NewLog(t)
	r := New(log.New(roomLog, "", 0))
	ln := newPipeListener()
	srv := &http.Server{Handler: NewHandler(r)}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	defer func() {
		srv.Close()
		<-served
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		r.Close(ctx)
	}()

	dialer := websocket.Dialer{NetDialContext: ln.dial, HandshakeTimeout: waitLimit}
	conns := make([]*websocket.Conn, clients)
	for i := range conns {
		conn, _, err := dialer.Dial("ws://pipe/", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns[i] = conn
		roomLog.WaitFor(fmt.Sprintf("^Client %d connected$", i+1))
	}

	// Nobody reads: each write pump is stuck in its first write (a notice
	// that someone joined, or the first of these messages), and each queue
	// overflows within sendQueue+2 messages.
	for range sendQueue + 2 {
		r.Deliver(0, broadcastOf("queued"))
	}
	for id := 1; id <= clients; id++ {
		roomLog.WaitFor(fmt.Sprintf("^Client %d is too slow", id))
	}

	// Every client now reads what it is sent, all at once: the client has
	// closeGrace from its removal to answer the close frame.
	var reading sync.WaitGroup
	for i, conn := range conns {
		reading.Go(func() {
			_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
			messages := 0
			for {
				_, _, err := conn.ReadMessage()
				if err == nil {
					messages++
					continue
				}
				if !websocket.IsCloseError(err, CloseTooSlow) {
					t.Errorf("client %d: the connection ended with %v, want close %d", i+1, err, CloseTooSlow)
				}
				break
			}
			if messages > 1 {
				t.Errorf("client %d received %d messages before its close frame, want at most the one being written when it was dropped", i+1, messages)
			}
		})
	}
	reading.Wait()
}

// pipeListener is a net.Listener whose connections are in-memory pipes
// (net.Pipe), made by its dial method.
type pipeListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// dial is a Dialer's NetDialContext: it hands one end of a new pipe to
// Accept and returns the other.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case conn := <-l.conns:
		return conn, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.UnixAddr{Name: "pipe", Net: "pipe"} }
