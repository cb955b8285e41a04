package cluster

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Instances on this machine share one state directory. Embedded servers
// starting there at the same moment, on different ports (two demos, two test
// runs), must all start: on a shared JetStream directory, one in a few
// failed, and an instance alone on its port then gave up.
func TestEmbeddedServersStartTogether(t *testing.T) {
	const rounds, servers = 20, 3
	dir := t.TempDir()
	for round := range rounds {
		started := make([]*Embedded, servers)
		errs := make([]error, servers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range servers {
			wg.Go(func() {
				<-start
				started[i], errs[i] = StartEmbedded("127.0.0.1", 0, "", dir)
			})
		}
		close(start)
		wg.Wait()
		for i, e := range started {
			if errs[i] != nil {
				t.Errorf("round %d, server %d: %v", round, i, errs[i])
				continue
			}
			e.Close()
		}
		if t.Failed() {
			return
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%s holds %v after every server closed, want nothing", dir, entries)
	}
}

// Only a taken port is ErrPortTaken (Dial then connects to whoever holds
// it); any other failure says what went wrong.
func TestStartEmbeddedSaysWhyItFailed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = StartEmbedded("127.0.0.1", ln.Addr().(*net.TCPAddr).Port, "", t.TempDir())
	if !errors.Is(err, ErrPortTaken) {
		t.Errorf("on a taken port: %v, want %v", err, ErrPortTaken)
	}

	// 192.0.2.1 is reserved for documentation: no interface has it.
	_, err = StartEmbedded("192.0.2.1", 4222, "", t.TempDir())
	if err == nil || errors.Is(err, ErrPortTaken) {
		t.Errorf("on an address this machine does not have: %v, want another error", err)
	}

	notADirectory := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADirectory, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = StartEmbedded("127.0.0.1", 0, "", notADirectory)
	if err == nil || errors.Is(err, ErrPortTaken) {
		t.Errorf("with a file for a directory: %v, want another error", err)
	}
}
