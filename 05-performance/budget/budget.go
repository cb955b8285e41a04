// Package budget counts the bytes a room has queued for its writers, all
// clients together, and holds readers back while the sum is over a limit.
//
// A per-client rate limit bounds what one client may send, not what all of
// them may send together. Twenty clients, each within its limit, sending the
// largest messages allowed ask the writers for far more bytes a second than
// they can put on the wire; the queues then grow until memory runs out or
// every healthy client is dropped as too slow. A room's budget bounds the sum
// instead: it counts the bytes queued for every writer together, and a reader
// passes a broadcast on only once its deliveries fit in the budget. As with
// the rate limit, waiting costs nothing: the senders' messages wait in their
// own TCP connections, and TCP slows the senders down.
//
// The fast room of lesson 5 and the production chat of lesson 6 each hold
// one Budget, with a limit tuned to their own queues.
package budget

import "sync"

// Budget counts the bytes queued for a room's writers. It is safe for
// concurrent use: many readers take, many writers release.
type Budget struct {
	limit int64

	mu     sync.Mutex
	queued int64         // bytes queued and not yet written or thrown away
	freed  chan struct{} // closed when bytes are released; nil while no one waits
}

// New returns an empty Budget that lets limit bytes wait at once.
func New(limit int64) *Budget { return &Budget{limit: limit} }

// Take waits until n more bytes fit within the limit, counts them and
// returns true; or returns false, counting nothing, if stop is closed first.
// When nothing is queued, anything fits: a message larger than the whole
// budget goes through alone.
func (b *Budget) Take(n int64, stop <-chan struct{}) bool {
	for {
		b.mu.Lock()
		if b.fits(n) {
			b.queued += n
			b.mu.Unlock()
			return true
		}
		if b.freed == nil {
			b.freed = make(chan struct{})
		}
		freed := b.freed
		b.mu.Unlock()
		select {
		case <-freed: // look again: another reader may have been quicker
		case <-stop:
			return false
		}
	}
}

// TryTake counts n bytes and returns true if they fit now; it never waits.
func (b *Budget) TryTake(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.fits(n) {
		return false
	}
	b.queued += n
	return true
}

// fits tells whether n more bytes fit. Called with mu held.
func (b *Budget) fits(n int64) bool { return b.queued+n <= b.limit || b.queued == 0 }

// Add counts n more bytes queued without waiting: for the room's own notices,
// which must go out whatever the flood, and to correct what Take counted. A
// negative n counts fewer and wakes the readers waiting for room.
func (b *Budget) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queued += n
	if n < 0 && b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
}

// Release counts n bytes written or thrown away, and wakes the readers
// waiting for room.
func (b *Budget) Release(n int64) { b.Add(-n) }

// Queued returns how many bytes are counted.
func (b *Budget) Queued() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.queued
}
