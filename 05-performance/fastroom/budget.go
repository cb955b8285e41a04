package fastroom

import (
	"sync"
	"sync/atomic"
)

// A per-client rate limit bounds what one client may send, not what all of
// them may send together. Twenty clients, each within its limit, sending the
// largest messages allowed ask the writers for far more bytes a second than
// they can put on the wire; the queues then grow until memory runs out or
// every healthy client is dropped as too slow. The room's budget bounds the
// sum instead: it counts the bytes queued for every writer together, and
// while they are over the budget, the readers stop passing on broadcasts.
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
	maxQueuedBytes = roomBudget / 8
)

// budget counts the bytes queued for the room's writers.
type budget struct {
	limit   int64
	pending atomic.Int64 // bytes queued and not yet written or thrown away

	mu      sync.Mutex
	belowIt chan struct{} // closed when pending falls below limit; nil if nobody waits
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// add counts n more bytes queued.
func (b *budget) add(n int) { b.pending.Add(int64(n)) }

// release counts n bytes written (or thrown away) and wakes the readers
// waiting for the budget once it has room again.
func (b *budget) release(n int) {
	if b.pending.Add(-int64(n)) >= b.limit {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.belowIt != nil {
		close(b.belowIt)
		b.belowIt = nil
	}
}

// wait returns once the queued bytes are below the limit, or false if
// cancel is closed first. Every reader that was waiting goes on at once, so
// the budget can be overrun by one broadcast per sender: the bound is the
// limit plus that.
func (b *budget) wait(cancel <-chan struct{}) bool {
	if b.pending.Load() < b.limit {
		return true
	}
	b.mu.Lock()
	if b.pending.Load() < b.limit { // released while we took the lock
		b.mu.Unlock()
		return true
	}
	if b.belowIt == nil {
		b.belowIt = make(chan struct{})
	}
	belowIt := b.belowIt
	b.mu.Unlock()
	select {
	case <-belowIt:
		return true
	case <-cancel:
		return false
	}
}
