package cluster

import (
	"example.com/wstutorial/progtest"
	"fmt"
	"sync"
	"testing"
)

// Instances started at the same moment with no NATS running all try to start
// one on the same port. Exactly one must win, and the others must connect to
// it: never two brokers (two rooms that cannot hear each other), never an
// instance that gives up.
func TestDialRaceForTheEmbeddedServer(t *testing.T) {
	const rounds, instances = 5, 3
	for round := range rounds {
		url := fmt.Sprintf("nats://127.0.0.1:%d", progtest.FreePort(t))
		brokers := make([]*Broker, instances)
		errs := make([]error, instances)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range instances {
			wg.Go(func() {
				<-start
				brokers[i], errs[i] = Dial(url, discard())
			})
		}
		close(start)
		wg.Wait()

		embedded := 0
		servers := make(map[string]bool)
		for i, b := range brokers {
			if errs[i] != nil {
				t.Fatalf("round %d, instance %d: %v", round, i, errs[i])
			}
			if b.embedded != nil {
				embedded++
			}
			servers[b.Conn.ConnectedServerId()] = true
		}
		// Close the winner last, so that the others do not reconnect.
		for _, b := range brokers {
			if b.embedded == nil {
				b.Close()
			}
		}
		for _, b := range brokers {
			if b.embedded != nil {
				b.Close()
			}
		}
		if embedded != 1 || len(servers) != 1 {
			t.Fatalf("round %d: %d embedded servers, connected to %d servers; want 1 and 1", round, embedded, len(servers))
		}
	}
}

func TestDialDoesNotEmbedForARemoteURL(t *testing.T) {
	// 192.0.2.0/24 is reserved for documentation: nothing answers there.
	if _, err := Dial("nats://192.0.2.1:4222", discard()); err == nil {
		t.Fatal("Dial succeeded, want an error")
	}
}

func TestLoopbackAddr(t *testing.T) {
	tests := []struct {
		url  string
		host string
		port int
		ok   bool
	}{
		{"nats://127.0.0.1:4222", "127.0.0.1", 4222, true},
		{"nats://localhost", "localhost", 4222, true},
		{"nats://[::1]:5000", "::1", 5000, true},
		{"127.0.0.1:4223", "", 0, false}, // not a URL: leave it to nats.go
		{"nats://10.0.0.5:4222", "10.0.0.5", 4222, false},
		{"nats://127.0.0.1:4222,nats://127.0.0.1:4223", "", 0, false},
		{"nats://user:secret@127.0.0.1:4222", "", 0, false},
		{"tls://127.0.0.1:4222", "", 0, false},
	}
	for _, tt := range tests {
		host, port, ok := loopbackAddr(tt.url)
		if ok != tt.ok || (ok && (host != tt.host || port != tt.port)) {
			t.Errorf("loopbackAddr(%q) = %q, %d, %v; want %q, %d, %v", tt.url, host, port, ok, tt.host, tt.port, tt.ok)
		}
	}
}
