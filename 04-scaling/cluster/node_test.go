package cluster

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
)

// recorder stands in for an instance's room: it records what it is given.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) Deliver(from int, m room.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf("%d: %s", from, m.Payload))
}

// waitFor waits until want has been delivered.
func (r *recorder) waitFor(t *testing.T, want string) {
	t.Helper()
	progtest.WaitUntil(t, fmt.Sprintf("delivered %q", want), func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return slices.Contains(r.got, want)
	})
}

func startNode(t *testing.T, url string, heartbeat time.Duration) (*Node, *recorder) {
	t.Helper()
	n := NewNode(discard(), heartbeat)
	local := newRecorder()
	if err := n.Start(dialTest(t, url), local); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Leave)
	waitSettled(t, n)
	return n, local
}

// waitSettled waits until n gives out ids.
func waitSettled(t *testing.T, n *Node) {
	t.Helper()
	progtest.WaitUntil(t, "admitting clients", func() bool { return n.settled.Load() != 0 })
}

// Two instances, in this process: what a client does on one is delivered on
// both, and a goodbye announces the clients that are left.
func TestNodesShareEvents(t *testing.T) {
	e := startNATS(t)
	createCounter(t, e.URL())
	_, roomA := startNode(t, e.URL(), time.Minute)
	b, roomB := startNode(t, e.URL(), time.Minute)

	id, err := b.NextID()
	if err != nil || id != 1 {
		t.Fatalf("NextID = %d, %v; want 1", id, err)
	}
	b.Publish(id, room.Connected(id))
	b.Publish(id, room.Message{Type: room.TypeBroadcast, Payload: "Hello"})
	roomB.waitFor(t, "1: Hello") // delivered locally at once
	roomA.waitFor(t, "1: Hello") // and through NATS
	roomA.waitFor(t, "1: Client 1 connected")

	// B shuts down without its client's leave having been published (say
	// it was lost): the goodbye makes up for it.
	b.Leave()
	roomA.waitFor(t, "0: Client 1 disconnected")
}

// An instance that stops sending heartbeats without saying goodbye is
// presumed dead after MissedBeats heartbeats, and its clients announced gone.
func TestNodePresumesASilentNodeDead(t *testing.T) {
	e := startNATS(t)
	createCounter(t, e.URL())
	_, roomA := startNode(t, e.URL(), 100*time.Millisecond)
	b, _ := startNode(t, e.URL(), 100*time.Millisecond)

	id, err := b.NextID()
	if err != nil {
		t.Fatal(err)
	}
	b.Publish(id, room.Connected(id))
	roomA.waitFor(t, fmt.Sprintf("%d: Client %d connected", id, id))

	b.nc.Close() // a crash, as far as the others can tell
	roomA.waitFor(t, fmt.Sprintf("0: Client %d disconnected", id))
}

// A broker without a counter: a node gives out no id until it has waited
// long enough to hear every other instance, and then continues above the
// highest id any of them knows. Here the other instance is a connection
// that sends one heartbeat a moment after the node started, as a survivor of
// the old broker would once it has reconnected, with a client holding id 5.
func TestNodeWaitsForEveryInstanceBeforeCreatingTheCounter(t *testing.T) {
	e := startNATS(t)
	survivor := dialTest(t, e.URL())
	n := NewNode(discard(), 100*time.Millisecond)
	if err := n.Start(dialTest(t, e.URL()), newRecorder()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Leave)
	// The survivor's reconnection takes a moment: that delay is the
	// scenario, not a wait for something to happen.
	late := time.AfterFunc(2*reconnectWait, func() {
		data, _ := json.Marshal(beat{Instance: "survivor", Clients: []int{5}, Last: 5})
		if err := survivor.Publish(presenceSubject, data); err != nil {
			t.Error(err)
		}
	})
	defer late.Stop()
	waitSettled(t, n)
	if id, err := n.NextID(); err != nil || id != 6 {
		t.Fatalf("NextID = %d, %v; want 6, above the survivor's client", id, err)
	}
}
