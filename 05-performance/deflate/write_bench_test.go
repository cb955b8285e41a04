package deflate

import (
	"compress/flate"
	"io"
	"testing"

	"github.com/gorilla/websocket"
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
	// recipients (possible because gorilla compresses each message alone).
	{name: "deflate-once", compress: true, level: flate.BestSpeed, prepared: true},
}

// BenchmarkWrite measures one delivery, the server's side of it: the server
// writes a message with gorilla. It reports the bytes the server put on the
// wire (as the client's socket received them) and the CPU time of the
// server's goroutine alone (Linux).
//
// The client's end only drains its socket, so it keeps up in every mode and
// the server's figures compare like with like; that the messages arrive
// whole and decode is what the tests check.
//
//	go test -run '^$' -bench 'Write|Read' -benchtime 20000x ./05-performance/deflate
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
	drained := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(io.Discard, p.clientSocket) // until the server closes
		drained <- n
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
	p.server.Close()
	wire := <-drained
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(sent), "server-ns/msg")
	b.ReportMetric(float64(wire)/float64(sent), "wire-B/msg")
}
