package room

import (
	"sync"

	"github.com/gorilla/websocket"
)

// outbox holds the messages waiting for one client's writer.
//
// A buffered channel would do the same job, but it reserves its whole buffer
// up front, and most connections are idle most of the time: a thousand idle
// clients with a 1024-message channel each would hold 8 MB of empty slots.
// An outbox holds memory only while messages wait, and the writer takes
// everything that waits at once, so it can send it all in one go.
type outbox struct {
	mu      sync.Mutex
	waiting []*websocket.PreparedMessage
	ready   chan struct{} // holds a token while waiting may be non-empty
}

func newOutbox() *outbox {
	return &outbox{ready: make(chan struct{}, 1)}
}

// put adds m unless sendQueue messages are already waiting; it never blocks
// for longer than another goroutine's put or take.
func (o *outbox) put(m *websocket.PreparedMessage) bool {
	o.mu.Lock()
	if len(o.waiting) >= sendQueue {
		o.mu.Unlock()
		return false
	}
	o.waiting = append(o.waiting, m)
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}: // wake the writer
	default: // it has been woken already
	}
	return true
}

// take returns every waiting message, oldest first, and empties the outbox.
// spare is the slice the previous take returned, handed back for reuse once
// its messages are sent, so that a busy client does not allocate a new one
// each time.
func (o *outbox) take(spare []*websocket.PreparedMessage) []*websocket.PreparedMessage {
	clear(spare) // let the sent messages be collected
	if cap(spare) > maxSpare {
		spare = nil // after a burst, give the big slice back to the collector
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	taken := o.waiting
	o.waiting = spare[:0]
	return taken
}

// len returns how many messages are waiting.
func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.waiting)
}

// maxSpare is the largest slice take keeps for reuse: enough for a busy
// client's usual backlog, small enough that an idle one holds little.
const maxSpare = 64
