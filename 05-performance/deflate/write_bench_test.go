package deflate

import (
	"compress/flate"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/progtest"
)

// writeMode is one way for the server to send a message.
type writeMode struct {
	name     string
	compress bool // both ends offer permessage-deflate
	level    int  // flate level, when compressing
	prepared bool // a PreparedMessage, built once and written every time
}

var writeModes = []writeMode{
	{name: "plain"},
	{name: "deflate", compress: true, level: flate.BestSpeed}, // gorilla's default level
	{name: "deflate-best", compress: true, level: flate.BestCompression},
	// What a broadcast can do: compress the message once for all its
	// recipients (possible because each message is compressed alone).
	{name: "deflate-once", compress: true, level: flate.BestSpeed, prepared: true},
}

// BenchmarkWrite measures one delivery: the server writes a message, the
// client reads it. It reports the bytes the server put on the wire and the
// CPU time of the server's goroutine alone (Linux); ns/op is the elapsed time
// on a machine the client shares. B/op counts both ends' allocations.
//
//	go test -run '^$' -bench Write -benchtime 20000x ./05-performance/deflate
func BenchmarkWrite(b *testing.B) {
	for _, m := range messages(b) {
		for _, mode := range writeModes {
			b.Run(m.name+"/"+mode.name, func(b *testing.B) {
				benchmarkWrite(b, m, mode)
			})
		}
	}
}

func benchmarkWrite(b *testing.B, m message, mode writeMode) {
	p := newPair(b, options{serverOffers: mode.compress, clientOffers: mode.compress})
	if mode.compress {
		if err := p.server.SetCompressionLevel(mode.level); err != nil {
			b.Fatal(err)
		}
	}
	prepared, err := websocket.NewPreparedMessage(m.kind, m.data)
	if err != nil {
		b.Fatal(err)
	}

	// The client reads in the background, as fast as the server writes.
	var received atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if _, _, err := p.client.ReadMessage(); err != nil {
				return // the benchmark closed the connection
			}
			received.Add(1)
		}
	}()

	b.ReportAllocs()
	stop := serverCPU(b)
	var sent int64
	for b.Loop() {
		if mode.prepared {
			err = p.server.WritePreparedMessage(prepared)
		} else {
			err = p.server.WriteMessage(m.kind, m.data)
		}
		if err != nil {
			b.Fatal(err)
		}
		sent++
	}
	cpu := stop()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(sent), "server-ns/msg")
	b.ReportMetric(float64(p.wire.written.Load())/float64(sent), "wire-B/msg")

	// Every message must have arrived, whole (the client's ReadMessage
	// fails on a broken one).
	progtest.WaitUntil(b, "the client to read every message", func() bool { return received.Load() == sent })
	p.client.Close()
	<-done
}
