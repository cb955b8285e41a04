package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"example.com/wstutorial/progtest"
)

// Instances started at the same moment with no NATS running all try to start
// one on the same port. Exactly one must win, and the others must connect to
// it: never two brokers (two rooms that cannot hear each other), never an
// instance that gives up.
func TestDialRaceForTheEmbeddedServer(t *testing.T) {
	const rounds, instances = 5, 3
	for round := range rounds {
		opts := localOptions(t)
		brokers := make([]*Broker, instances)
		errs := make([]error, instances)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range instances {
			wg.Go(func() {
				<-start
				brokers[i], errs[i] = Dial(context.Background(), opts)
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
	if _, err := Dial(context.Background(), Options{URL: "nats://192.0.2.1:4222", Logger: discard()}); err == nil {
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

// A port that is in use where nothing answers (here, it is the local end of
// an outgoing connection, which run.sh's random ports could hit) is reported
// as such, not as "no servers available".
func TestDialOnAPortInUseWhereNothingAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	opts := localOptions(t)
	opts.URL = "nats://" + conn.LocalAddr().String()
	_, err = Dial(context.Background(), opts)
	want := "cannot connect to NATS at " + opts.URL + ": its port is in use, but nothing answers there"
	if err == nil || err.Error() != want {
		t.Fatalf("Dial: %v, want %q", err, want)
	}
}

// localOptions are the options of instances sharing an embedded broker on a
// free port, with a state directory of the test's own.
func localOptions(t *testing.T) Options {
	t.Helper()
	return Options{
		URL:      fmt.Sprintf("nats://127.0.0.1:%d", progtest.FreePort(t)),
		StateDir: t.TempDir(),
		Logger:   discard(),
	}
}

func dialBroker(t *testing.T, opts Options) *Broker {
	t.Helper()
	b, err := Dial(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// The embedded broker lets in only clients with its token: another program
// on the machine cannot connect, let alone publish. The instances get in
// with the token from the state directory, which only this user can read.
func TestEmbeddedBrokerRequiresItsToken(t *testing.T) {
	opts := localOptions(t)
	host := dialBroker(t, opts)
	if host.embedded == nil {
		t.Fatal("the first instance did not start an embedded broker")
	}
	if nc, err := nats.Connect(opts.URL); !errors.Is(err, nats.ErrAuthorization) {
		if err == nil {
			nc.Close()
		}
		t.Fatalf("connecting without the token: %v; want %v", err, nats.ErrAuthorization)
	}
	other := dialBroker(t, opts)
	if other.embedded != nil {
		t.Fatal("a second instance started a second broker")
	}
	info, err := os.Stat(TokenFile(opts.StateDir, host.port))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %v, want -rw-------", perm)
	}

	// A token given by the environment is required instead, and no file
	// is written.
	opts = localOptions(t)
	opts.Token = "given by the operator"
	dialBroker(t, opts)
	if nc, err := nats.Connect(opts.URL, nats.Token("guessed")); !errors.Is(err, nats.ErrAuthorization) {
		if err == nil {
			nc.Close()
		}
		t.Fatalf("connecting with a wrong token: %v; want %v", err, nats.ErrAuthorization)
	}
	if entries, _ := os.ReadDir(opts.StateDir); len(entries) > 1 { // the empty JetStream directory
		t.Errorf("state directory holds %v, want no token file", entries)
	}
}

// The embedded broker keeps the counter in memory: its directory stays
// empty, and a crash leaves nothing behind but the token file.
func TestEmbeddedBrokerWritesNoData(t *testing.T) {
	opts := localOptions(t)
	b := dialBroker(t, opts)
	node := NewNode(discard(), 0)
	if err := node.Start(b.Conn, newRecorder()); err != nil {
		t.Fatal(err)
	}
	defer node.Leave()
	waitSettled(t, node)
	if _, err := node.NextID(); err != nil {
		t.Fatal(err)
	}
	var files []string
	_ = filepath.WalkDir(opts.StateDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if want := []string{TokenFile(opts.StateDir, b.port)}; fmt.Sprint(files) != fmt.Sprint(want) {
		t.Errorf("files in the state directory: %v, want only %v", files, want)
	}
}

// When the instance hosting the broker dies, another takes its place on the
// same address, and a third that starts afterwards joins it.
func TestBrokerTakenOverWhenItsHostDies(t *testing.T) {
	opts := localOptions(t)
	host := dialBroker(t, opts)
	survivor := dialBroker(t, opts)
	if host.embedded == nil || survivor.embedded != nil {
		t.Fatal("want the first instance to host the broker")
	}
	reconnected := make(chan struct{}, 1)
	survivor.Conn.SetReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} })

	host.Close() // as far as the survivor can tell, a crash
	select {
	case <-reconnected:
	case <-time.After(progtest.WaitLimit):
		t.Fatal("the survivor did not reconnect")
	}
	survivor.mu.Lock()
	tookOver := survivor.embedded != nil
	survivor.mu.Unlock()
	if !tookOver {
		t.Fatal("the survivor reconnected, but not to a broker of its own")
	}
	restarted := dialBroker(t, opts)
	if restarted.embedded != nil {
		t.Fatal("the restarted instance started a second broker")
	}
	if restarted.Conn.ConnectedServerId() != survivor.Conn.ConnectedServerId() {
		t.Fatal("the two instances are on different brokers")
	}
}
