package deflate

import (
	"sync"
	"testing"
)

// BenchmarkRead measures the other direction: a client sends a message, the
// server reads it. With compression agreed, a client compresses what it
// sends (browsers do), and the server pays to inflate it. It reports the CPU
// time of the server's goroutine alone (Linux).
//
//	go test -run '^$' -bench Read -benchtime 20000x ./05-performance/deflate
func BenchmarkRead(b *testing.B) {
	for _, m := range messages(b) {
		for _, compress := range []bool{false, true} {
			name := m.name + "/plain"
			if compress {
				name = m.name + "/deflate"
			}
			b.Run(name, func(b *testing.B) {
				benchmarkRead(b, m, compress)
			})
		}
	}
}

func benchmarkRead(b *testing.B, m message, compress bool) {
	p := newPair(b, options{serverOffers: compress, clientOffers: compress})

	// The client writes in the background until the benchmark closes its
	// end, which also frees a write blocked on a full connection.
	var writing sync.WaitGroup
	writing.Go(func() {
		for p.client.WriteMessage(m.kind, m.data) == nil {
		}
	})

	b.ReportAllocs()
	stop := serverCPU(b)
	var read int64
	for b.Loop() {
		if _, _, err := p.server.ReadMessage(); err != nil {
			b.Fatal(err)
		}
		read++
	}
	cpu := stop()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(read), "server-ns/msg")

	p.client.Close()
	writing.Wait()
}
