package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/07-rooms/rooms"
	"example.com/wstutorial/progtest"
)

const startLimit = 20 * time.Second

// start runs an instance on a free port and returns it with its address.
func start(t *testing.T, bin string, args ...string) (*progtest.Proc, string) {
	t.Helper()
	p := progtest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	return p, p.Addr()
}

var natsLine = regexp.MustCompile(`^NATS with JetStream on (nats://\S+)$`)

// TestWalkthrough plays the README's story on two real instances and
// checks what a client receives and what the first instance logs against
// the golden transcripts the README shows.
func TestWalkthrough(t *testing.T) {
	bin := progtest.Build(t, "example.com/wstutorial/07-rooms/server")
	state := t.TempDir() // where B finds the token of A's NATS server
	a, addrA := start(t, bin, "-embed", "127.0.0.1:0", "-state", state)
	natsURL := natsLine.FindStringSubmatch(a.WaitFor(natsLine.String(), startLimit))[1]
	b, addrB := start(t, bin, "-nats", natsURL, "-state", state)

	var seen []string
	dial := func(name, addr, path string) *progtest.Recorder[rooms.Event] {
		return progtest.MustDial[rooms.Event](t, name, "ws://"+addr+path)
	}
	expect := func(r *progtest.Recorder[rooms.Event], want string) {
		t.Helper()
		e := r.Next()
		if e.Type != want {
			t.Fatalf("%s received %+v, want %s", r.Name, e, want)
		}
		data, _ := json.Marshal(e) // the same JSON as on the wire: same fields, same order
		seen = append(seen, fmt.Sprintf("%-5s <- %s", r.Name, data))
	}

	alice := dial("alice", addrA, "/rooms/lobby")
	expect(alice, rooms.TypeJoined)
	bob := dial("bob", addrB, "/rooms/lobby")
	expect(bob, rooms.TypeJoined)
	expect(alice, "client:connected")
	carol := dial("carol", addrA, "/rooms/kitchen")
	expect(carol, rooms.TypeJoined)

	alice.Send(map[string]string{"type": "broadcast", "payload": "Hello"})
	expect(bob, "broadcast")

	// Bob's connection dies without a goodbye; while he is away, Alice
	// speaks. He comes back on the other instance, from the last seq he saw.
	tcp := bob.Conn.NetConn().(*net.TCPConn)
	_ = tcp.SetLinger(0)
	tcp.Close()
	expect(alice, "client:disconnected")
	alice.Send(map[string]string{"type": "broadcast", "payload": "Are you there?"})
	a.WaitFor(`^Client 1 broadcast in lobby: "Are you there\?"$`, startLimit) // stored
	bob = dial("bob", addrA, "/rooms/lobby?since=4")
	expect(bob, "client:disconnected")
	expect(bob, "broadcast")
	expect(bob, rooms.TypeJoined)
	expect(alice, "client:connected")

	carol.Close() // the kitchen's news reaches no one in the lobby
	a.WaitFor("^Client 3 left room kitchen$", startLimit)
	bob.Close()
	expect(alice, "client:disconnected")
	// The notice can reach Alice before A logs the leave (the line waits for
	// the stream's acknowledgement): wait for the line, so that the log's
	// order is the walkthrough's.
	a.WaitFor("^Client 4 left room lobby$", startLimit)
	alice.Close()
	a.WaitFor("^Client 1 left room lobby$", startLimit)

	b.Signal(os.Interrupt)
	a.Signal(os.Interrupt)
	for _, p := range []*progtest.Proc{a, b} {
		if code := p.Wait(startLimit); code != 0 {
			t.Fatalf("an instance exited with %d, want 0", code)
		}
	}
	if left := files(state); len(left) != 0 {
		t.Errorf("the instances stopped and left %v in their state directory, want nothing", left)
	}
	progtest.Compare(t, "../testdata/client.txt", seen)
	logA := progtest.Replace(a.Stdout(), addrA, "localhost:5411")
	logA = progtest.Replace(logA, natsURL, "nats://127.0.0.1:4244")
	progtest.Compare(t, "../testdata/server-a.txt", logA)
}

// TestCommandLine runs the server and the load generator as a reader would.
// -h prints the usage and exits 0. A bad flag is named once, with the usage,
// and exits 2; so does an argument that is not a flag, in one line.
func TestCommandLine(t *testing.T) {
	for _, name := range []string{"server", "loadgen"} {
		bin := progtest.Build(t, "example.com/wstutorial/07-rooms/"+name)
		usage := "Usage of " + name + ":"
		code, _, stderr := progtest.Run(t, startLimit, bin, "-h")
		if code != 0 || !slices.Contains(stderr, usage) {
			t.Errorf("%s -h: exit %d, stderr %q; want 0 and the usage", name, code, stderr)
		}

		code, _, stderr = progtest.Run(t, startLimit, bin, "-no-such-flag")
		named := strings.Count(strings.Join(stderr, "\n"), "-no-such-flag")
		if code != 2 || named != 1 || !slices.Contains(stderr, usage) {
			t.Errorf("%s -no-such-flag: exit %d, stderr %q; want 2, the bad flag named once, and the usage", name, code, stderr)
		}
		if slices.ContainsFunc(stderr, func(line string) bool { return strings.HasPrefix(line, name+":") }) {
			t.Errorf("%s -no-such-flag: the mistake is reported again after the usage: %q", name, stderr)
		}

		code, _, stderr = progtest.Run(t, startLimit, bin, "5411")
		want := []string{name + `: unexpected argument "5411"; every setting is a flag`}
		if code != 2 || !slices.Equal(stderr, want) {
			t.Errorf("%s 5411: exit %d, stderr %q; want 2 and %q", name, code, stderr, want)
		}
	}
}

// An instance that cannot reach its NATS says so in one line, and exits 1.
func TestUnreachableNATS(t *testing.T) {
	bin := progtest.Build(t, "example.com/wstutorial/07-rooms/server")
	code, _, stderr := progtest.Run(t, startLimit, bin, "-addr", "127.0.0.1:0", "-nats", "nats://127.0.0.1:1", "-state", t.TempDir())
	if code != 1 || len(stderr) != 1 {
		t.Errorf("an unreachable NATS: exit %d, stderr %q; want 1 and one line", code, stderr)
	}
}

// The embedded NATS server is one server, in memory: asking it for files or
// replicas is a mistake, said in one line, exit 1. So is an unknown storage.
func TestStorageNeedsNATS(t *testing.T) {
	bin := progtest.Build(t, "example.com/wstutorial/07-rooms/server")
	for _, args := range [][]string{{"-storage", "file"}, {"-replicas", "3"}, {"-storage", "disk"}} {
		code, _, stderr := progtest.Run(t, startLimit, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
		if code != 1 || len(stderr) != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 1 and one line", args, code, stderr)
		}
	}
}
