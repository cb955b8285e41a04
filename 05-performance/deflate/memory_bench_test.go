package deflate

import (
	"io"
	"net"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

// BenchmarkIdleConnection measures the live memory of connections that sit
// idle after one chat message each way (so that with compression agreed,
// both ends have compressed and inflated), each with a goroutine parked in
// the server's ReadMessage, as a room's reader is. The figures count both
// ends of each connection, which are in this process; compare the two
// modes. (Goroutine stacks are not counted: they are the same in both.)
//
//	go test -run '^$' -bench Connection -benchtime 3x ./05-performance/deflate
func BenchmarkIdleConnection(b *testing.B) {
	const n = 200
	chat := messageNamed(b, "chat-4k")
	for _, mode := range compressionModes {
		b.Run(mode.name, func(b *testing.B) {
			s := startServer(b, mode.compress)
			var heap float64
			for b.Loop() {
				heapBefore := liveHeap()
				pairs := make([]*pair, n)
				var reading sync.WaitGroup
				for i := range pairs {
					p := s.connect(b, mode.compress)
					exchange(b, p, chat)
					reading.Go(func() { p.server.ReadMessage() }) // until the connection is closed
					pairs[i] = p
				}
				heap += float64(liveHeap()-heapBefore) / n

				for _, p := range pairs {
					p.server.Close()
					p.client.Close()
				}
				reading.Wait()
			}
			b.ReportMetric(heap/float64(b.N), "heap-B/conn")
		})
	}
}

// BenchmarkBusyConnection measures connections in the middle of sending a
// large message (1 MB of random bytes) to clients that have stopped
// reading: each client reads the first byte, and no more. The server's
// WriteMessage then waits on a full connection, as it does for a slow
// client until the write deadline. The figures count both ends of each
// connection.
//
//	go test -run '^$' -bench Connection -benchtime 3x ./05-performance/deflate
func BenchmarkBusyConnection(b *testing.B) {
	const n = 50
	big := randomBytes(1 << 20)
	for _, mode := range compressionModes {
		b.Run(mode.name, func(b *testing.B) {
			s := startServer(b, mode.compress)
			var heap float64
			for b.Loop() {
				heapBefore := liveHeap()
				pairs := make([]*pair, n)
				var writing sync.WaitGroup
				var finished atomic.Int64
				for i := range pairs {
					p := s.connect(b, mode.compress)
					// Small socket buffers, so that the message cannot
					// fit in them and the write must wait.
					p.clientSocket.Conn.(*net.TCPConn).SetReadBuffer(4096)
					p.server.NetConn().(*net.TCPConn).SetWriteBuffer(4096)
					writing.Go(func() {
						p.server.WriteMessage(websocket.BinaryMessage, big) // fails once closed
						finished.Add(1)
					})
					var first [1]byte
					if _, err := io.ReadFull(p.clientSocket, first[:]); err != nil {
						b.Fatal(err)
					}
					pairs[i] = p
				}
				heap += float64(liveHeap()-heapBefore) / n

				if finished.Load() > 0 {
					b.Fatalf("a message of %d bytes went through: make it larger", len(big))
				}
				for _, p := range pairs {
					p.server.Close()
					p.client.Close()
				}
				writing.Wait()
			}
			b.ReportMetric(heap/float64(b.N), "heap-B/conn")
		})
	}
}

var compressionModes = []struct {
	name     string
	compress bool
}{{"plain", false}, {"deflate", true}}

// exchange sends m from the server to the client and back.
func exchange(tb testing.TB, p *pair, m message) {
	tb.Helper()
	for _, ends := range [][2]*websocket.Conn{{p.server, p.client}, {p.client, p.server}} {
		if err := ends[0].WriteMessage(m.kind, m.data); err != nil {
			tb.Fatalf("write: %v", err)
		}
		if _, _, err := ends[1].ReadMessage(); err != nil {
			tb.Fatalf("read: %v", err)
		}
	}
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() int64 {
	// Twice: gorilla's pools keep their contexts through one collection
	// and let them go in the next.
	runtime.GC()
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64())
}
