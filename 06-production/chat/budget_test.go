package chat

import (
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/05-performance/budget"
	"example.com/wstutorial/progtest"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// However many clients flood the room, it asks its writers for no more than
// its budget: the flood waits in the flooders' own connections, and no one
// who reads is dropped as too slow. The rate limit is off, so that a few
// clients make the flood of many that each keep within it. (Without the
// budget, the watcher falls behind the flood by a full queue and is dropped.)
func TestBudgetKeepsEveryoneWhoReads(t *testing.T) {
	const (
		flooders = 4
		each     = 150  // messages per flooder: together, more than a queue
		size     = 1000 // bytes of text per message
		limit    = 16 * size * flooders
	)
	tr := startRoom(t, Limits{MaxConns: flooders + 1, PingPeriod: time.Minute},
		func(r *Room) { r.budget = budget.New(limit) })
	watcher := tr.dial(t, "watcher")
	tr.log.WaitFor("^watcher connected")
	// The flooders read everything too (their recorders keep it unread).
	var flood []*progtest.Recorder[room.Message]
	for i := range flooders {
		name := string(rune('a' + i))
		flood = append(flood, tr.dial(t, name))
		watcher.Expect(room.Message{Type: room.TypeConnected, Payload: name + " connected"})
	}

	text := strings.Repeat("x", size)
	for _, f := range flood {
		go func() {
			for range each {
				f.Send(room.Message{Type: room.TypeBroadcast, Payload: text})
			}
		}()
	}
	for range flooders * each {
		if m := watcher.Next(); m.Type != room.TypeBroadcast {
			t.Fatalf("watcher received %+v in the flood", m)
		}
	}
	if n := testutil.ToFloat64(tr.metrics.DroppedSlow); n != 0 {
		t.Fatalf("%v clients were dropped as too slow", n)
	}
}
