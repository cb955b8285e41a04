package fastroom

import (
	"fmt"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/05-performance/budget"
)

// A corked turn queues its messages and starts no writer: each receiver is
// noted once, however many messages are for it, and gets them all when the
// cork is flushed.
func TestCorkStartsOneWriterPerReceiver(t *testing.T) {
	tr := newTestRoomWith(t, nil, Quiet())
	sender, receiver := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(receiver.id))
	from, to := tr.client(sender.id), tr.client(receiver.id)

	var k cork
	for i := range 3 {
		tr.broadcast(from, broadcastOf(fmt.Sprint("corked ", i)), &k)
	}
	if len(k.clients) != 1 || k.clients[0] != to {
		t.Fatalf("the cork holds %d clients, want the receiver alone", len(k.clients))
	}
	if n := to.out.len(); n != 3 {
		t.Fatalf("%d messages wait in the receiver's outbox before the flush, want 3", n)
	}

	k.flush()
	receiver.Expect(broadcastOf("corked 0"), broadcastOf("corked 1"), broadcastOf("corked 2"))
}

// Only writers free the room's budget. A corked turn that must wait for the
// budget starts the writers it holds back first, or it would wait for ever.
func TestCorkedTurnDoesNotWaitForItsOwnWriters(t *testing.T) {
	tr := newTestRoomWith(t, nil, Quiet())
	tr.budget = budget.New(100) // less than two of these broadcasts
	sender, receiver := tr.connect(t), tr.connect(t)
	sender.Expect(room.Connected(receiver.id))
	from := tr.client(sender.id)

	done := make(chan struct{})
	go func() { // the poller's turn, with three messages to pass on
		defer close(done)
		var k cork
		for i := range 3 {
			tr.broadcast(from, broadcastOf(fmt.Sprint("over budget ", i)), &k)
		}
		k.flush()
	}()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatalf("the corked turn still waits for the budget after %s", waitLimit)
	}
	receiver.Expect(broadcastOf("over budget 0"), broadcastOf("over budget 1"), broadcastOf("over budget 2"))
}
