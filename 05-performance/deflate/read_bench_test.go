package deflate

import (
	"bytes"
	"testing"
)

// BenchmarkRead measures the other direction: a client sends a message, the
// server reads it with gorilla. With compression agreed, a client
// compresses what it sends (browsers do), and the server pays to inflate
// it. It reports the CPU time of the server's goroutine alone (Linux).
//
// The client's end writes the frames gorilla's client built for the
// message once, over and over, so that it keeps ahead of the server in
// every mode: the server never waits, and its figures compare like with
// like.
//
//	go test -run '^$' -bench 'Write|Read' -benchtime 20000x ./05-performance/deflate
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
	frames := bytes.Repeat(clientFrames(b, p, m), 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for { // until the benchmark closes the client's end
			if _, err := p.clientSocket.Conn.Write(frames); err != nil {
				return
			}
		}
	}()

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
	<-done
}

// clientFrames has the client send m once, checks that the server reads it
// back, and returns the bytes the client wrote for it: its frames, masked
// and, if agreed, compressed. Each message is compressed alone, so the same
// bytes sent again are the same message again.
func clientFrames(b *testing.B, p *pair, m message) []byte {
	var frames bytes.Buffer
	p.clientSocket.writes = &frames
	err := p.client.WriteMessage(m.kind, m.data)
	p.clientSocket.writes = nil
	if err != nil {
		b.Fatal(err)
	}
	if _, got, err := p.server.ReadMessage(); err != nil || !bytes.Equal(got, m.data) {
		b.Fatalf("the server read %d bytes (%v), not the %d sent", len(got), err, len(m.data))
	}
	return frames.Bytes()
}
