package fastroom

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
)

// The traps of reading on readiness (poller_linux.go, readiness.go). On
// the plain path (-tags plainreads, or not Linux) every connection has its
// own reader, and all but the fairness test hold as well.

// A client that sends half a frame holds no one up: not the poller, which
// must not wait for the rest, and not the other clients. The rest, when it
// comes, completes the message. There are several such clients, more than
// cores, so that a plain reader goroutine per client is held up by none.
func TestHalfFrameHoldsNoOneUp(t *testing.T) {
	tr := newTestRoomWith(t, nil, Quiet())
	frame := clientFrame(encoded(t, broadcastOf("sent in two halves")))
	halves := make([]net.Conn, runtime.GOMAXPROCS(0)+1)
	for i := range halves {
		halves[i], _ = dialRoom(t, tr)
		write(t, halves[i], frame[:len(frame)/2])
	}
	sender, receiver := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(receiver.id))

	sender.send("not held up")
	receiver.Until(broadcastOf("not held up"))

	write(t, halves[0], frame[len(frame)/2:])
	receiver.Until(broadcastOf("sent in two halves"))
}

// A client with a long backlog of messages cannot keep the reader to
// itself: the poller reads a connection once per turn, then moves on, so a
// quiet client's message gets through while the busy ones still have most
// of theirs to go. A turn that read each until it had nothing left would
// pass the quiet message last.
//
// The turns are the poller's. On the plain path each reader is a goroutine
// of its own, and how it shares the cores with the others is up to Go's
// scheduler, which promises no such bound: there the rate limit is what
// keeps a busy client in its place, so the test is skipped.
func TestBusyClientsLetOthersThrough(t *testing.T) {
	const perBusy = 400 // messages of about 1 KB: 25 turns' worth each
	tr := newTestRoomWith(t, nil, Quiet(), SendRate(0))
	busy := make([]net.Conn, runtime.GOMAXPROCS(0))
	backlogs := make([][]byte, len(busy))
	for i := range busy {
		busy[i], _ = dialRoom(t, tr)
		if i == 0 && !tr.readsOnReadiness() {
			t.Skip("no poller: each connection has a reader goroutine of its own")
		}
		for j := range perBusy {
			m := broadcastOf(fmt.Sprintf("busy %d, %d %s", i, j, strings.Repeat("x", 1000)))
			backlogs[i] = append(backlogs[i], clientFrame(encoded(t, m))...)
		}
	}
	quiet, receiver := tr.connect(t), tr.connect(t)
	quiet.Expect(room.Connected(receiver.id))

	// Each backlog is written with one call, which returns once all of it
	// is in the kernel's buffers, before the quiet client sends.
	for i := range busy {
		write(t, busy[i], backlogs[i])
	}
	quiet.send("let me through")
	before := receiver.Until(broadcastOf("let me through"))
	t.Logf("%d of the busy clients' messages passed before the quiet one", len(before))
	if passed := len(before); passed > perBusy*len(busy)/2 {
		t.Errorf("%d of the busy clients' %d messages passed before the quiet client's one", passed, perBusy*len(busy))
	}
}

// A client that does not answer our close frame is let go after closeGrace,
// even with half a frame sent: there is no read to time out, so a timer
// must end it.
func TestUnansweredCloseEnds(t *testing.T) {
	tr := newTestRoomWith(t, nil, Quiet())
	conn, id := dialRoom(t, tr)
	write(t, conn, clientFrame(encoded(t, broadcastOf("half")))[:5])

	tr.client(id).stop(CloseTooSlow, "too slow")
	tr.waitForLog(fmt.Sprintf("Client %d disconnected (no answer to ping, or no reply to our close)", id))
}

// dialRoom opens a bare connection to the room (see dialBare), closed when
// the test ends, and waits until the room has let it in.
func dialRoom(t *testing.T, tr *testRoom) (net.Conn, int) {
	t.Helper()
	conn, err := dialBare(strings.TrimPrefix(tr.url, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	select {
	case id := <-tr.idFor(conn.LocalAddr().String()):
		return conn, id
	case <-time.After(waitLimit):
		t.Fatalf("connected, but the room's handler did not finish within %s", waitLimit)
		return nil, 0
	}
}

func write(t *testing.T, conn net.Conn, p []byte) {
	t.Helper()
	if _, err := conn.Write(p); err != nil {
		t.Fatal(err)
	}
}

func encoded(t *testing.T, m room.Message) []byte {
	t.Helper()
	data, err := room.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// clientFrame frames data as a client must: one final text frame, masked.
// The mask is zero, so the payload reads as it is.
func clientFrame(data []byte) []byte {
	const finText, masked = 0x81, 0x80
	frame := []byte{finText}
	switch n := len(data); {
	case n < 126:
		frame = append(frame, masked|byte(n))
	case n <= 0xFFFF:
		frame = binary.BigEndian.AppendUint16(append(frame, masked|126), uint16(n))
	default:
		frame = binary.BigEndian.AppendUint64(append(frame, masked|127), uint64(n))
	}
	frame = append(frame, 0, 0, 0, 0) // the mask key
	return append(frame, data...)
}

// A close frame's payload is empty, or a code of two bytes and a reason: one
// byte alone breaks the protocol (RFC 6455), and gets 1002. gorilla turns
// it into 1005 (no status) before any handler sees it, so only the path that
// reads frames itself can tell.
func TestOneByteCloseGets1002(t *testing.T) {
	if p, _ := newPoller(); p == nil {
		t.Skip("the plain reader leaves close frames to gorilla, which reports this one as 1005")
	} else {
		p.close()
	}
	tr := newTestRoomWith(t, nil, Quiet())
	conn, _ := dialRoom(t, tr)
	write(t, conn, []byte{0x88, 0x80 | 1, 0, 0, 0, 0, 0x03}) // FIN close, masked, 1 byte

	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	answer := make([]byte, 4)
	if _, err := io.ReadFull(conn, answer); err != nil {
		t.Fatalf("no close frame came back: %v", err)
	}
	if answer[0] != 0x88 || binary.BigEndian.Uint16(answer[2:]) != websocket.CloseProtocolError {
		t.Errorf("the room answered % x, want a close frame with 1002", answer)
	}
}
