package chat

import "sync"

// The rate limit bounds what one client may send, not what all of them send
// together. Fifty clients, each within 20 messages a second of 8 KB, ask the
// room for 400 MB of writes a second: far more than the writers can put on
// the wire. Without a bound on the sum, the send queues fill up, and healthy
// clients are dropped as too slow for a flood that is not their fault.
//
// The room's budget is that bound. It counts the bytes waiting in every send
// queue together, and a read pump passes a broadcast on only once its
// deliveries fit. Waiting costs nothing: the sender's next messages wait in
// its TCP connection, and TCP slows the sender down.

// roomBudget is how many bytes of deliveries may wait in all the send queues
// together. A message to 100 clients counts 100 times; the memory it takes is
// less, as the queues share one copy. It holds eight full queues of the
// largest messages, so that a few clients that stopped reading, each on its
// way to being dropped, cannot hold back everyone else.
const roomBudget = 8 * sendQueue * maxMessageSize

// budget counts the bytes queued for the room's writers.
type budget struct {
	limit int64

	mu     sync.Mutex
	queued int64
	freed  chan struct{} // closed when bytes are released; nil while no one waits
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// take waits until n more bytes fit in the budget, counts them and returns
// true; or returns false if stop is closed first. When nothing is queued,
// anything fits: a message larger than the whole budget goes through alone.
func (b *budget) take(n int64, stop <-chan struct{}) bool {
	for {
		b.mu.Lock()
		if b.queued+n <= b.limit || b.queued == 0 {
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

// add counts n more bytes without waiting: the room's own notices, which
// must go out whatever the flood.
func (b *budget) add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queued += n
}

// release counts n bytes written or thrown away, and wakes the readers
// waiting for room.
func (b *budget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queued -= n
	if b.freed != nil {
		close(b.freed)
		b.freed = nil
	}
}
