package fastroom

import (
	"fmt"
	"io"
	"log"
	"testing"

	"golang.org/x/time/rate"
)

var benchSizes = []int{100, 1000}

// BenchmarkDeliver measures the room's side of one broadcast to n clients:
// encoding the message and putting it in every client's queue. The queues are
// emptied between rounds, without a network, so only Deliver is measured; its
// allocations do not grow with n because the message is encoded once.
func BenchmarkDeliver(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			r := New(log.New(io.Discard, "", 0))
			clients := make([]*Client, n)
			for i := range clients {
				clients[i] = newClient(r, i+1, nil) // no connection: nothing writes
				clients[i].out.writing = true       // the benchmark takes the role of the writer
				r.clients[i+1] = clients[i]
			}
			m := broadcastOf("Hello")
			spares := make([][]*[]byte, n) // as each writer keeps one
			b.ReportAllocs()
			for b.Loop() {
				r.Deliver(0, m)
				for i, c := range clients {
					spares[i] = c.out.take(spares[i])
				}
			}
		})
	}
}

// BenchmarkBroadcast measures one broadcast from end to end: a client sends
// it, and the benchmark waits until each of the n-1 others has received it
// over loopback. The clients' work (reading, decoding) shares the CPU with
// the server's, so a server on its own machine does better.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			tr := newTestRoom(b)
			tr.Room.quiet = true        // as the server's -quiet: no log line per broadcast
			tr.Room.sendRate = rate.Inf // and its -rate 0: the sender is paced by the loop
			clients := connectInBatches(b, tr, n)
			sender, others := clients[0], clients[1:]
			want := broadcastOf("Hello")
			b.ReportAllocs()
			for b.Loop() {
				sender.send(want.Payload)
				for _, c := range others {
					c.Expect(want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(others)), "ns/delivery")
		})
	}
}

// connectInBatches connects n clients, a batch at a time, and waits after
// each batch until every client has heard of the newcomers, so that no queue
// ever holds more than a batch of notices.
func connectInBatches(b *testing.B, tr *testRoom, n int) []testClient {
	const batch = 100 // well below a send queue
	var all []testClient
	for len(all) < n {
		all = append(all, tr.connectMany(b, min(batch, n-len(all)))...)
		marker := tr.deliverMarker()
		for _, c := range all {
			c.Until(marker)
		}
	}
	return all
}
