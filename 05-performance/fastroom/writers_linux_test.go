//go:build linux && !plainreads

package fastroom

import (
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The pool's write ignores the connection's write deadline: gorilla's
// control frames and the blocking writes leave theirs to run out, and a
// write that checked it would fail ten seconds after every ping.
func TestWriteSomeIgnoresAnExpiredDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	_ = conn.SetWriteDeadline(time.Now().Add(-time.Second))
	raw, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	n, err := writeSome(raw, []byte("hello"))
	if n != 5 || err != nil {
		t.Fatalf("writeSome = %d, %v; want 5, nil", n, err)
	}
	got := make([]byte, 5)
	_ = peer.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "hello" {
		t.Fatalf("the peer read %q, %v", got, err)
	}
}

// A worker never waits for a connection that is busy with another frame
// (a ping to a client that does not read can take seconds): it hands the
// client to a goroutine of its own and moves on. Here more clients than
// workers are busy, and first in line; the one behind them still gets its
// message at once.
func TestWorkersDoNotWaitForABusyConnection(t *testing.T) {
	tr := newTestRoomWith(t, nil, Quiet())
	busy := tr.connectMany(t, 2*runtime.GOMAXPROCS(0)+1)
	free := tr.connect(t)
	marker := tr.deliverMarker()
	for _, c := range append(busy, free) {
		c.Until(marker)
	}

	m := broadcastOf("past the busy ones")
	frame := textFrame(encoded(t, m))
	tr.budget.Add(int64(len(frame) * (len(busy) + 1))) // as Deliver counts it
	var k cork
	for _, b := range busy {
		c := tr.client(b.id)
		c.batch.mu.Lock() // as if a control frame were being written
		c.enqueue(&frame, &k)
	}
	k.flush() // the busy clients, in line first
	tr.client(free.id).enqueue(&frame, nil)
	free.Expect(m)

	for _, b := range busy {
		tr.client(b.id).batch.mu.Unlock() // the control frame is out
		b.Expect(m)
	}
}
