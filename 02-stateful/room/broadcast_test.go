package room

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
)

// The notebook's story with three clients: each hears about those who join
// after it and those who leave before it, with the right ids, and ids are
// never reused.
func TestConnectAndDisconnectNotices(t *testing.T) {
	tr := newTestRoom(t)
	a, b, c := tr.connect(t), tr.connect(t), tr.connect(t)
	if a.id != 1 || b.id != 2 || c.id != 3 {
		t.Fatalf("ids %d, %d, %d; want 1, 2, 3", a.id, b.id, c.id)
	}
	a.Expect(Connected(2), Connected(3))
	b.Expect(Connected(3))

	b.Close()
	a.Expect(Disconnected(2))
	c.Expect(Disconnected(2))
	tr.waitForLog("Client 2 disconnected")

	c.Drop() // no closing handshake: the room must notice all the same
	a.Expect(Disconnected(3))

	d := tr.connect(t)
	if d.id != 4 {
		t.Fatalf("a client joining after 3 have come and gone got id %d, want 4", d.id)
	}
	a.Expect(Connected(4))
	a.send("only d hears this")
	d.Expect(broadcastOf("only d hears this"))
	if n := tr.size(); n != 2 {
		t.Fatalf("%d clients in the room, want 2", n)
	}
}

// Clients connecting at the same time still get ids 1, 2, 3… in the order
// they join: each one hears about every later one, and about nobody earlier
// (they were there before it).
func TestIDsUnderConcurrentConnects(t *testing.T) {
	const n = 200
	tr := newTestRoom(t)
	clients := tr.connectMany(t, n)

	ids := make([]int, len(clients))
	for i, c := range clients {
		ids[i] = c.id
	}
	sort.Ints(ids)
	for i, id := range ids {
		if id != i+1 {
			t.Fatalf("ids are not 1…%d, each once: sorted, they are %v", n, ids)
		}
	}

	marker := tr.deliverMarker()
	for _, c := range clients {
		var heard []int
		for _, m := range c.Until(marker) {
			id, ok := noticeID(m, TypeConnected)
			if !ok {
				t.Fatalf("client %d received %+v", c.id, m)
			}
			heard = append(heard, id)
		}
		var want []int
		for id := c.id + 1; id <= n; id++ {
			want = append(want, id)
		}
		if !slices.Equal(heard, want) {
			t.Fatalf("client %d heard of %v joining, want %v", c.id, heard, want)
		}
	}
}

// noticeID returns the client id in a connected or disconnected notice.
func noticeID(m Message, typ string) (int, bool) {
	if m.Type != typ {
		return 0, false
	}
	var id int
	_, err := fmt.Sscanf(m.Payload, "Client %d", &id)
	return id, err == nil
}

// Many clients, several broadcasting at once: every other client gets every
// message exactly once and in the order its sender sent them; no sender gets
// its own.
//
// The senders send as fast as they can, which is not the human pace this
// room trusts its clients to keep, so they send fewer messages in all than a
// send queue holds: a bigger burst could fill a healthy client's queue
// before its write pump gets a turn on the CPU, and the room would rightly
// drop it as too slow.
func TestConcurrentBroadcasts(t *testing.T) {
	const (
		clients   = 200
		senders   = 8
		perSender = 30 // senders × perSender < sendQueue
		format    = "from %d, #%d"
	)
	tr := newTestRoom(t)
	all := tr.connectMany(t, clients)
	marker := tr.deliverMarker()
	for _, c := range all {
		c.Until(marker) // the connected notices: TestIDsUnderConcurrentConnects checks them
	}

	var sending sync.WaitGroup
	for _, s := range all[:senders] {
		sending.Go(func() {
			for seq := 1; seq <= perSender; seq++ {
				s.send(fmt.Sprintf(format, s.id, seq))
			}
		})
	}
	sending.Wait()

	isSender := make(map[int]bool)
	for _, s := range all[:senders] {
		isSender[s.id] = true
	}
	for _, c := range all {
		want := perSender * senders
		if isSender[c.id] {
			want -= perSender // everyone's but its own
		}
		last := make(map[int]int) // sender id → last sequence number received
		for range want {
			m := c.Next()
			var from, seq int
			if _, err := fmt.Sscanf(m.Payload, format, &from, &seq); err != nil || m.Type != TypeBroadcast {
				t.Fatalf("client %d received %+v", c.id, m)
			}
			switch {
			case from == c.id:
				t.Fatalf("client %d received its own message %q", c.id, m.Payload)
			case seq != last[from]+1:
				t.Fatalf("client %d received %q after #%d from the same sender", c.id, m.Payload, last[from])
			}
			last[from] = seq
		}
	}

	// Nothing more is on its way: no duplicates after the last message.
	marker = tr.deliverMarker()
	for _, c := range all {
		c.Expect(marker)
	}
}
