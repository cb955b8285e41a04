package cluster

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
)

// recorder stands in for an instance's room: it records what it is given.
type recorder struct {
	mu      sync.Mutex
	got     []string
	changed chan struct{}
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) Deliver(from int, m room.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf("%d: %s", from, m.Payload))
	close(r.changed)
	r.changed = make(chan struct{})
}

// waitFor waits until want has been delivered.
func (r *recorder) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		found, changed, got := slices.Contains(r.got, want), r.changed, slices.Clone(r.got)
		r.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%q not delivered; got %q", want, got)
		}
	}
}

func startNode(t *testing.T, url string, heartbeat time.Duration) (*Node, *recorder) {
	t.Helper()
	n, err := NewNode(dialTest(t, url), discard(), heartbeat)
	if err != nil {
		t.Fatal(err)
	}
	local := newRecorder()
	if err := n.Start(local); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Leave)
	return n, local
}

// Two instances, in this process: what a client does on one is delivered on
// both, and a goodbye announces the clients that are left.
func TestNodesShareEvents(t *testing.T) {
	e := startNATS(t)
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
