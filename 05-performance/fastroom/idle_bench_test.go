package fastroom

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"testing"

	"example.com/wstutorial/progtest"
)

// BenchmarkIdleConnection measures what an idle client costs the server in
// live memory: the goroutine stack and the heap per connection, read after a
// garbage collection, once every client has heard of every later one. (The
// stacks of the writers that sent the join notices count too: the runtime
// keeps a goroutine's stack for reuse once it has ended.)
//
// This is the memory the connections really use. The resident memory that
// scripts/bench.sh reports is larger: it also counts the heap the collector
// keeps for reuse, which depends on when it last ran.
//
// The clients do the handshake by hand and never read, so their end of each
// connection is only a socket (about 0.3 KB of heap, no goroutine), which
// the heap figure includes.
//
// One round, which the default -benchtime gives, is the figure to read: the
// runtime keeps goroutine descriptors for reuse, so later rounds in the same
// process do not count them again.
//
//	go test -run '^$' -bench IdleConnection ./05-performance/fastroom
func BenchmarkIdleConnection(b *testing.B) {
	const n = 1000
	r := New(log.New(io.Discard, "", 0), Quiet())
	srv := httptest.NewServer(NewHandler(r))
	defer srv.Close()
	defer closeWithin(r, waitLimit)

	var heap, stacks float64
	for b.Loop() {
		heapBefore, stacksBefore := liveMemory()
		conns := make([]net.Conn, n)
		for i := range conns {
			conn, err := dialBare(srv.Listener.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			conns[i] = conn
		}
		// Once every join notice is written, the writers have ended; on
		// the plain path (not Linux, or -tags plainreads) each client still
		// has a reader goroutine.
		progtest.WaitUntil(b, "the join notices to be written", func() bool {
			return r.budget.Queued() == 0
		})
		heapAfter, stacksAfter := liveMemory()
		heap += float64(int64(heapAfter)-int64(heapBefore)) / n
		stacks += float64(int64(stacksAfter)-int64(stacksBefore)) / n

		for _, conn := range conns {
			conn.Close()
		}
		progtest.WaitUntil(b, "the clients to leave", func() bool { return r.Len() == 0 })
	}
	b.ReportMetric(heap/float64(b.N), "heap-B/conn")
	b.ReportMetric(stacks/float64(b.N), "stack-B/conn")
}

// dialBare opens a WebSocket connection with nothing but a socket: it writes
// the handshake request and reads the response's header.
func dialBare(addr string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	request := "GET / HTTP/1.1\r\nHost: " + addr + "\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n"
	if _, err := io.WriteString(conn, request); err != nil {
		conn.Close()
		return nil, err
	}
	// The reader may take the first notices with the header; nobody reads
	// them anyway.
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		return nil, fmt.Errorf("handshake: %s", resp.Status)
	}
	return conn, nil
}

// liveMemory collects garbage and returns the bytes of live heap objects
// and of goroutine stacks.
func liveMemory() (heap, stacks uint64) {
	// Twice: what sync.Pools let go of in the first collection is only
	// freed by the second.
	runtime.GC()
	runtime.GC()
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
	}
	metrics.Read(samples)
	return samples[0].Value.Uint64(), samples[1].Value.Uint64()
}
