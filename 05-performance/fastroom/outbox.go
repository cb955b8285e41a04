package fastroom

import "sync"

// outbox holds the messages (encoded JSON) waiting for one client's writer, and knows
// whether that client has a writer at the moment (a goroutine of its own, or
// a turn of the room's pool: see writers.go).
//
// A message is queued as a pointer to bytes that every recipient shares: one
// word per waiting message, where a []byte would take three. It adds up when
// someone joins a big room and a notice waits in every outbox at once.
//
// Most connections are idle most of the time, so an idle one should cost as
// little as possible. A buffered channel would reserve its whole buffer up
// front (8 KB for 1024 pointers), and a writer goroutine parked on it would
// keep a stack of a few KB. An outbox holds memory only while messages wait,
// and a writer runs only while there is something to write: the put that
// finds no writer tells its caller to start one, and the writer ends when
// take finds nothing left. So there is never more than one.
type outbox struct {
	mu      sync.Mutex
	waiting []*[]byte
	bytes   int  // how many bytes wait
	writing bool // the client has a writer
}

// put adds m unless sendQueue messages or maxQueuedBytes bytes are already
// waiting (added is then false). startWriter is true if no writer is running: the caller must start
// one. put never waits for longer than another goroutine's put or take.
func (o *outbox) put(m *[]byte) (added, startWriter bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.waiting) >= sendQueue || (o.bytes > 0 && o.bytes+len(*m) > maxQueuedBytes) {
		return false, false
	}
	o.waiting = append(o.waiting, m)
	o.bytes += len(*m)
	startWriter = !o.writing
	o.writing = true
	return true, startWriter
}

// take returns every waiting message, oldest first, and empties the outbox.
// When nothing is waiting it returns none and records that the writer is
// gone: the writer must then end. spare is the slice the previous take
// returned, handed back for reuse once its messages are sent, so that a busy
// client does not allocate a new one each time.
func (o *outbox) take(spare []*[]byte) []*[]byte {
	clear(spare) // let the sent messages be collected
	if cap(spare) > maxSpare {
		spare = nil // after a burst, give the big slice back to the collector
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.waiting) == 0 {
		o.writing = false
		o.waiting = nil // an idle client keeps no slice
		return nil
	}
	taken := o.waiting
	o.waiting = spare[:0]
	o.bytes = 0
	return taken
}

// len returns how many messages are waiting.
func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.waiting)
}

// maxSpare is the largest slice take keeps for reuse: enough for a busy
// client's usual backlog, small enough to be cheap.
const maxSpare = 64
