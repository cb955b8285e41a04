package fastroom

import (
	"net"
	"strings"
	"testing"
)

// writeRecorder is a connection that remembers each write it was given.
type writeRecorder struct {
	net.Conn // nil: only Write is used
	writes   []string
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

func TestBatchConnGathersWrites(t *testing.T) {
	rec := &writeRecorder{}
	b := &batchConn{Conn: rec}

	// Outside a batch, every write goes straight through.
	b.Write([]byte("a"))
	b.Write([]byte("b"))
	if got := strings.Join(rec.writes, "|"); got != "a|b" {
		t.Fatalf("unbatched writes = %q, want a|b", got)
	}

	// Inside one, nothing is sent until flush, and then all of it at once.
	rec.writes = nil
	b.gather()
	for _, s := range []string{"c", "d", "e"} {
		if n, err := b.Write([]byte(s)); n != 1 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if len(rec.writes) != 0 {
		t.Fatalf("a batch was sent before flush: %q", rec.writes)
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.writes, "|"); got != "cde" {
		t.Fatalf("batched writes = %q, want one write cde", got)
	}

	// The buffer went back to the pool: writes go straight through again.
	b.Write([]byte("f"))
	if len(rec.writes) != 2 {
		t.Fatalf("write after flush was not sent at once: %q", rec.writes)
	}
}

func TestBatchConnIsFullAtMaxBatch(t *testing.T) {
	b := &batchConn{Conn: &writeRecorder{}}
	b.gather()
	b.Write(make([]byte, maxBatch-1))
	if b.full() {
		t.Fatal("full below maxBatch")
	}
	b.Write([]byte{0})
	if !b.full() {
		t.Fatal("not full at maxBatch")
	}
	b.flush()
}

func TestHandlerConnectionsBatch(t *testing.T) {
	tr := newTestRoom(t)
	c := tr.connect(t)
	defer c.Close()
	tr.Room.mu.RLock()
	joined := tr.clients[c.id]
	tr.Room.mu.RUnlock()
	if joined == nil || joined.batch == nil {
		t.Fatal("a client that came through Handler does not batch its writes")
	}
}
