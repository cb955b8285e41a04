package fastroom

import "sync"

// A per-client rate limit bounds what one client may send, not what all of
// them may send together. Twenty clients, each within its limit, sending the
// largest messages allowed ask the writers for far more bytes a second than
// they can put on the wire; the queues then grow until memory runs out or
// every healthy client is dropped as too slow. The room's budget bounds the
// sum instead: it counts the bytes queued for every writer together, and a
// reader passes a broadcast on only once its deliveries fit in the budget.
// As with the rate limit, waiting costs nothing: the senders' messages wait
// in their own TCP connections, and then their sends wait.

const (
	// roomBudget is how many bytes of deliveries may wait in all the
	// outboxes together. A message that goes to 100 clients counts 100
	// times, so the memory it stands for is less: the clients share one
	// copy.
	roomBudget = 32 << 20

	// maxQueuedBytes is how many bytes may wait for one client; a client
	// further behind is dropped as too slow. It is a small share of the
	// budget, so that a few clients that stopped reading cannot use it all
	// up and hold everyone else back.
	maxQueuedBytes = roomBudget / 2
)

// budget counts the bytes queued for the room's writers.
type budget struct {
	limit int64

	mu      sync.Mutex
	pending int64         // bytes queued and not yet written or thrown away
	freed   chan struct{} // closed when bytes are released; nil if nobody waits
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// take counts n more bytes queued, waiting until they fit within the
// limit, and returns true; or returns false if cancel is closed first. A
// message larger than the whole budget goes through alone.
func (b *budget) take(n int64, cancel <-chan struct{}) bool {
	for {
		b.mu.Lock()
		if b.pending+n <= b.limit || b.pending == 0 {
			b.pending += n
			b.mu.Unlock()
			return true
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed: // try again: another waiter may have been quicker
		case <-cancel:
			return false
		}
	}
}

// add counts n more bytes queued (or, if negative, fewer), without waiting:
// for the room's own notices, and to correct what take counted.
func (b *budget) add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending += n
	if n < 0 && b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
}

// release counts n bytes written, or thrown away, and wakes the readers
// waiting for room in the budget.
func (b *budget) release(n int) { b.add(-int64(n)) }

// queued returns how many bytes are counted.
func (b *budget) queued() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pending
}
