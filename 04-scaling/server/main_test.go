package main

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
)

var (
	embeddedLine = regexp.MustCompile(`^NATS: nothing answered at .*, so this instance started an embedded NATS server there$`)
	instanceName = regexp.MustCompile(`^Joining the cluster as instance (\w+):`)
)

// The walkthrough's demo, in two terminals: an instance on port 5408 (which
// finds no NATS and starts one), an instance on port 5409, lesson 2's staged
// client with client 1 on the first and client 2 on the second, then Ctrl-C
// in terminal 2 and in terminal 1. All three transcripts are the golden
// files: the client's is the notebook's, as if both clients were on one
// server.
func TestDemo(t *testing.T) {
	t.Parallel() // it mostly waits: for a broker, a timeout, a process
	server := build(t, "example.com/wstutorial/04-scaling/server")
	client := build(t, "example.com/wstutorial/02-stateful/client")
	natsPort := progtest.FreePort(t)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	state := t.TempDir()

	first := progtest.Start(t, server, "-addr", "127.0.0.1:0", "-nats", natsURL, "-state", state)
	firstAddr := first.Addr()
	first.WaitFor(`^Admitting clients`, startTimeout)
	second := progtest.Start(t, server, "-addr", "127.0.0.1:0", "-nats", natsURL, "-state", state)
	secondAddr := second.Addr()
	second.WaitFor(`^Admitting clients`, startTimeout)
	first.WaitFor(`^Instance \w+ joined the cluster$`, progtest.WaitLimit)

	code, stdout, stderr := progtest.Run(t, startTimeout, client,
		"-url", "ws://"+firstAddr, "-url2", "ws://"+secondAddr, "-step", "50ms")
	if code != 0 {
		t.Fatalf("client exited with %d; stderr:\n%s", code, strings.Join(stderr, "\n"))
	}
	progtest.Compare(t, "../testdata/client.txt", stdout)

	second.WaitFor(`^Client \d+ disconnected$`, progtest.WaitLimit)
	interrupt(t, second)
	first.WaitFor(`^Instance \w+ left the cluster$`, progtest.WaitLimit)
	interrupt(t, first)

	// Instance names are random: use the golden files' names.
	names := map[string]string{
		nameIn(t, first.Stdout()):  nameIn(t, goldenLines(t, "server-5408.txt")),
		nameIn(t, second.Stdout()): nameIn(t, goldenLines(t, "server-5409.txt")),
	}
	progtest.Compare(t, "../testdata/server-5408.txt", normalise(first.Stdout(), natsPort, firstAddr, "[::]:5408", names))
	progtest.Compare(t, "../testdata/server-5409.txt", normalise(second.Stdout(), natsPort, secondAddr, "[::]:5409", names))
}

// Two instances started at the same moment with no NATS running: exactly
// one starts it, the other connects to it, and together they are one room.
func TestInstancesStartingTogether(t *testing.T) {
	t.Parallel() // it mostly waits: for a broker, a timeout, a process
	server := build(t, "example.com/wstutorial/04-scaling/server")
	client := build(t, "example.com/wstutorial/02-stateful/client")
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", progtest.FreePort(t))
	state := t.TempDir()

	var procs [2]*progtest.Proc
	for i := range procs {
		procs[i] = progtest.Start(t, server, "-addr", "127.0.0.1:0", "-nats", natsURL, "-state", state)
	}
	for _, p := range procs {
		p.WaitFor(`^Admitting clients`, startTimeout)
	}
	embedded := 0
	for _, p := range procs {
		for _, line := range p.Stdout() {
			if embeddedLine.MatchString(line) {
				embedded++
			}
		}
	}
	if embedded != 1 {
		t.Fatalf("%d instances started an embedded NATS server, want exactly 1", embedded)
	}

	code, stdout, stderr := progtest.Run(t, startTimeout, client,
		"-url", "ws://"+procs[0].Addr(), "-url2", "ws://"+procs[1].Addr(), "-step", "50ms")
	if code != 0 {
		t.Fatalf("client exited with %d; stderr:\n%s", code, strings.Join(stderr, "\n"))
	}
	progtest.Compare(t, "../testdata/client.txt", stdout)

	// Ctrl-C, the broker's host last, so that the other does not take the
	// broker over on its way out.
	for _, host := range []bool{false, true} {
		for _, p := range procs {
			if slices.ContainsFunc(p.Stdout(), embeddedLine.MatchString) == host {
				interrupt(t, p)
			}
		}
	}
}

// interrupt presses Ctrl-C and expects a clean exit.
func interrupt(t *testing.T, p *progtest.Proc) {
	t.Helper()
	p.Signal(os.Interrupt)
	if code := p.Wait(progtest.WaitLimit); code != 0 {
		t.Errorf("instance exited with %d", code)
	}
}

func nameIn(t *testing.T, lines []string) string {
	t.Helper()
	for _, line := range lines {
		if m := instanceName.FindStringSubmatch(line); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no instance name in %q", lines)
	return ""
}

// normalise makes a server's output comparable with a golden file: the
// golden file's NATS port, listening address and instance names.
func normalise(lines []string, natsPort int, addr, goldenAddr string, names map[string]string) []string {
	lines = progtest.Replace(lines, fmt.Sprintf("nats://127.0.0.1:%d", natsPort), "nats://127.0.0.1:4222")
	lines = progtest.Replace(lines, "ws://"+addr, "ws://"+goldenAddr)
	for real, golden := range names {
		lines = progtest.Replace(lines, real, golden)
	}
	return lines
}

// Three instances, 36 clients spread over them: every client hears of every
// later join, of every broadcast of every other client exactly once and in
// the order it was sent, never of its own, and of every earlier leave.
func TestManyClientsOnThreeInstances(t *testing.T) {
	// The clients send in rounds, all at once within a round. A round
	// sends each client (clients-1)*perRound messages in a burst, which
	// must stay well under its send queue.
	const instances, perInstance, rounds, perRound = 3, 12, 4, 5
	const messages = rounds * perRound
	c := newTestCluster(t, instances, steadyHeartbeat)

	var clients []*member
	for i := range instances * perInstance {
		clients = append(clients, c.join(i%instances, fmt.Sprintf("client %d", i)))
	}
	n := len(clients)
	received := make([][]room.Message, n)
	readUntil := func(i, count int) {
		for len(received[i]) < count {
			received[i] = append(received[i], clients[i].Next())
		}
	}

	for round := range rounds {
		var wg sync.WaitGroup
		for i, cl := range clients {
			wg.Go(func() {
				for k := round * perRound; k < (round+1)*perRound; k++ {
					cl.say(fmt.Sprintf("from %d #%d", i, k))
				}
			})
		}
		wg.Wait()
		for i := range clients {
			readUntil(i, (n-1-i)+(n-1)*(round+1)*perRound) // later joins, broadcasts so far
		}
	}

	// Then they leave one at a time, each once it has received everything
	// it should have; the watchers' notices tell the next one to go.
	for i, cl := range clients {
		readUntil(i, (n-1-i)+(n-1)*messages+i) // later joins, broadcasts, earlier leaves
		cl.Close()
		c.waitLeft(cl)
		checkReceived(t, cl, received[i], i, clients, messages)
	}
}

// checkReceived checks everything client i of clients received, in the
// scenario above.
func checkReceived(t *testing.T, cl *member, got []room.Message, i int, clients []*member, messages int) {
	t.Helper()
	next := make(map[int]int) // sender → the number of its next message
	var joins, leaves []int
	for _, m := range got {
		switch m.Type {
		case room.TypeConnected:
			joins = append(joins, idIn(t, m.Payload, "Client %d connected"))
		case room.TypeDisconnected:
			leaves = append(leaves, idIn(t, m.Payload, "Client %d disconnected"))
		case room.TypeBroadcast:
			var from, k int
			if _, err := fmt.Sscanf(m.Payload, "from %d #%d", &from, &k); err != nil {
				t.Fatalf("%s: unexpected broadcast %q", cl.Name, m.Payload)
			}
			if from == i {
				t.Errorf("%s received its own message %q", cl.Name, m.Payload)
			}
			if k != next[from] {
				t.Errorf("%s: from client %d, got #%d, want #%d", cl.Name, from, k, next[from])
			}
			next[from] = k + 1
		default:
			t.Errorf("%s: unexpected message %v", cl.Name, m)
		}
	}
	for j := range clients {
		if j != i && next[j] != messages {
			t.Errorf("%s: %d messages from client %d, want %d", cl.Name, next[j], j, messages)
		}
	}
	var wantJoins, wantLeaves []int
	for _, other := range clients[i+1:] {
		wantJoins = append(wantJoins, other.id)
	}
	for _, other := range clients[:i] {
		wantLeaves = append(wantLeaves, other.id)
	}
	if fmt.Sprint(joins) != fmt.Sprint(wantJoins) {
		t.Errorf("%s: joins %v, want %v", cl.Name, joins, wantJoins)
	}
	if fmt.Sprint(leaves) != fmt.Sprint(wantLeaves) {
		t.Errorf("%s: leaves %v, want %v", cl.Name, leaves, wantLeaves)
	}
}

// Sixty clients connect at the same moment, twenty to each of three
// instances: every one gets its own id, and every instance announces the
// same sixty ids.
func TestUniqueIDsUnderConcurrentConnects(t *testing.T) {
	const instances, perInstance = 3, 20
	c := newTestCluster(t, instances, steadyHeartbeat)

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range instances * perInstance {
		wg.Go(func() {
			<-start
			if _, err := progtest.Dial[room.Message](t, fmt.Sprintf("client %d", i), "ws://"+c.addrs[i%instances], nil); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()

	const total = instances * perInstance
	var first []int
	for i, w := range c.watchers {
		seen := make(map[int]bool)
		var ids []int
		for range total {
			m := w.Next()
			id := idIn(t, m.Payload, "Client %d connected")
			if seen[id] {
				t.Errorf("%s: id %d announced twice", w.Name, id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		slices.Sort(ids)
		if i == 0 {
			first = ids
		} else if !slices.Equal(ids, first) {
			t.Errorf("%s saw ids %v, watcher 0 saw %v", w.Name, ids, first)
		}
	}
	// The counter gives out ids without gaps: the watchers got 1 to 3.
	for i, id := range first {
		if id != instances+1+i {
			t.Fatalf("ids %v, want %d to %d", first, instances+1, instances+total)
		}
	}
}

// Interrupting an instance closes its clients with 1001, it exits 0, and the
// other instances hear of its clients' departures at once, long before
// presence would notice its silence (the heartbeat here is a minute).
func TestCleanShutdownAnnouncesDepartures(t *testing.T) {
	c := newTestCluster(t, 2, time.Minute)
	w := c.watchers[0]
	b1, b2 := c.join(1, "b1"), c.join(1, "b2")

	c.instances[1].Signal(os.Interrupt)
	for _, cl := range []*member{b1, b2} {
		if code := cl.CloseCode(); code != websocket.CloseGoingAway {
			t.Errorf("%s: close code %d, want %d", cl.Name, code, websocket.CloseGoingAway)
		}
	}
	if code := c.instances[1].Wait(progtest.WaitLimit); code != 0 {
		t.Errorf("instance 1 exited with %d", code)
	}
	w.awaitAll(room.Disconnected(b1.id), room.Disconnected(b2.id))
	c.instances[0].WaitFor(`^Instance \w+ left the cluster$`, progtest.WaitLimit)
}

// An instance that cannot reach a remote broker listens (so that a reader
// sees where), then says why it stops, in one line, and exits 1.
func TestUnreachableRemoteBrokerIsAnError(t *testing.T) {
	t.Parallel() // it mostly waits: for a broker, a timeout, a process
	bin := build(t, "example.com/wstutorial/04-scaling/server")
	// 192.0.2.0/24 is reserved for documentation: nothing answers there,
	// and it is not this machine, so no embedded server is started.
	code, stdout, stderr := progtest.Run(t, startTimeout, bin, "-addr", "127.0.0.1:0", "-nats", "nats://192.0.2.1:4222")
	if code != 1 || len(stderr) != 1 || !strings.HasPrefix(stderr[0], "server: cannot connect to NATS at nats://192.0.2.1:4222") {
		t.Errorf("exit %d, stderr %q; want 1 and one line saying NATS is unreachable", code, stderr)
	}
	if len(stdout) == 0 || !strings.HasPrefix(stdout[0], "Listening on ws://127.0.0.1:") {
		t.Errorf("stdout %q; want the server to have listened first", stdout)
	}
}

// A taken port is reported at once, before the server looks for NATS: the
// NATS address here would take seconds to give up on.
func TestTakenPortReportedBeforeNATS(t *testing.T) {
	t.Parallel() // it mostly waits: for a broker, a timeout, a process
	bin := build(t, "example.com/wstutorial/04-scaling/server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	code, stdout, stderr := progtest.Run(t, startTimeout, bin, "-addr", addr, "-nats", "nats://192.0.2.1:4222")
	want := regexp.MustCompile(`^server: cannot listen on ` + regexp.QuoteMeta(addr) + `: .*address already in use$`)
	if code != 1 || len(stderr) != 1 || !want.MatchString(stderr[0]) || len(stdout) != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, and one line matching %s", code, stdout, stderr, want)
	}
}

// -h prints the usage and exits 0; a bad flag or a stray argument is
// reported once, with the usage, and exits 2.
func TestCommandLine(t *testing.T) {
	t.Parallel() // it mostly waits: for a broker, a timeout, a process
	bin := build(t, "example.com/wstutorial/04-scaling/server")
	tests := []struct {
		args     []string
		code     int
		firstErr string // the first line on stderr
	}{
		{[]string{"-h"}, 0, "Usage: server [flags]"},
		{[]string{"-adr", ":5408"}, 2, "flag provided but not defined: -adr"},
		{[]string{"-heartbeat", "often"}, 2, `invalid value "often" for flag -heartbeat: parse error`},
		{[]string{":5408"}, 2, `server: unexpected argument ":5408"; every setting is a flag`},
	}
	for _, tt := range tests {
		code, stdout, stderr := progtest.Run(t, startTimeout, bin, tt.args...)
		if code != tt.code || len(stdout) != 0 || len(stderr) == 0 || stderr[0] != tt.firstErr {
			t.Errorf("server %s: exit %d, stdout %q, stderr %q; want exit %d, nothing on stdout, and stderr starting %q",
				strings.Join(tt.args, " "), code, stdout, stderr, tt.code, tt.firstErr)
			continue
		}
		if !slices.Contains(stderr, "Flags:") {
			t.Errorf("server %s: no usage on stderr: %q", strings.Join(tt.args, " "), stderr)
		}
		if n := strings.Count(strings.Join(stderr, "\n"), tt.firstErr); n != 1 {
			t.Errorf("server %s: %q reported %d times", strings.Join(tt.args, " "), tt.firstErr, n)
		}
	}
}
