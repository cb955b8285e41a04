package rooms

import (
	"io"
	"log"
	"testing"

	"example.com/wstutorial/02-stateful/room"
)

// A member that resumed up to seq 10 (on an instance ahead of this one)
// is not sent events 9 and 10 again when this instance delivers them; it is
// sent 11. The other member, which had not seen them, is sent all three.
func TestDeliverSkipsWhatAResumedMemberHasSeen(t *testing.T) {
	r := &Room{name: "lobby", srv: &Server{log: log.New(io.Discard, "", 0)}, members: make(map[int]*Client)}
	resumed := &Client{id: 1, send: make(chan []byte, 8), done: make(chan struct{}), after: 10}
	other := &Client{id: 2, send: make(chan []byte, 8), done: make(chan struct{})}
	r.members[resumed.id], r.members[other.id] = resumed, other

	for _, seq := range []uint64{9, 10, 11} {
		r.deliver(&stored{seq: seq, from: 3, msg: room.Message{Type: "broadcast", Payload: "hi"}})
	}
	if n := len(resumed.send); n != 1 {
		t.Errorf("the member that resumed up to 10 was sent %d events, want 1 (seq 11)", n)
	}
	if n := len(other.send); n != 3 {
		t.Errorf("the other member was sent %d events, want 3", n)
	}
}

// A new client whose instance has already delivered events stored after its
// arrival (12) is owed them: its replay runs from its arrival to the last
// seq delivered here (15), not from 15.
func TestNewClientIsOwedWhatFollowedItsArrival(t *testing.T) {
	r := &Room{name: "lobby", srv: &Server{log: log.New(io.Discard, "", 0)}, members: make(map[int]*Client), last: 15}
	c := &Client{id: 1, send: make(chan []byte, 8), done: make(chan struct{})}
	if err := r.admit(c, 12, 0, false); err != nil {
		t.Fatal(err)
	}
	if c.since != 12 || c.after != 15 {
		t.Errorf("a new client arriving at 12 on an instance at 15 replays (%d, %d], want (12, 15]", c.since, c.after)
	}
}
