package main

import (
	"fmt"
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
	server := progtest.Build(t, "example.com/wstutorial/04-scaling/server")
	client := progtest.Build(t, "example.com/wstutorial/02-stateful/client")
	natsPort := progtest.FreePort(t)
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", natsPort)

	first := progtest.Start(t, server, "-addr", "127.0.0.1:0", "-nats", natsURL)
	firstAddr := first.Addr()
	second := progtest.Start(t, server, "-addr", "127.0.0.1:0", "-nats", natsURL)
	secondAddr := second.Addr()
	first.WaitFor(`^Instance \w+ joined the cluster$`, deliveryTimeout)

	code, stdout, stderr := progtest.Run(t, startTimeout, client,
		"-url", "ws://"+firstAddr, "-url2", "ws://"+secondAddr, "-step", "50ms")
	if code != 0 {
		t.Fatalf("client exited with %d; stderr:\n%s", code, strings.Join(stderr, "\n"))
	}
	checkGolden(t, "client.txt", strings.Join(stdout, "\n")+"\n")

	second.WaitFor(`^Client \d+ disconnected$`, deliveryTimeout)
	interrupt(t, second)
	first.WaitFor(`^Instance \w+ left the cluster$`, deliveryTimeout)
	interrupt(t, first)

	// Instance names are random: use the golden files' names.
	names := map[string]string{
		nameIn(t, first.Stdout()):  nameIn(t, goldenLines(t, "server-5408.txt")),
		nameIn(t, second.Stdout()): nameIn(t, goldenLines(t, "server-5409.txt")),
	}
	checkGolden(t, "server-5408.txt", normalise(first.Stdout(), natsPort, firstAddr, "[::]:5408", names))
	checkGolden(t, "server-5409.txt", normalise(second.Stdout(), natsPort, secondAddr, "[::]:5409", names))
}

// Two instances started at the same moment with no NATS running: exactly
// one starts it, the other connects to it, and together they are one room.
func TestInstancesStartingTogether(t *testing.T) {
	server := progtest.Build(t, "example.com/wstutorial/04-scaling/server")
	client := progtest.Build(t, "example.com/wstutorial/02-stateful/client")
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", progtest.FreePort(t))

	var procs [2]*progtest.Proc
	for i := range procs {
		procs[i] = progtest.Start(t, server, "-addr", "127.0.0.1:0", "-nats", natsURL)
	}
	a, b := procs[0].Addr(), procs[1].Addr()
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
		"-url", "ws://"+a, "-url2", "ws://"+b, "-step", "50ms")
	if code != 0 {
		t.Fatalf("client exited with %d; stderr:\n%s", code, strings.Join(stderr, "\n"))
	}
	checkGolden(t, "client.txt", strings.Join(stdout, "\n")+"\n")

	// Ctrl-C, the broker's host last, so that its temporary directory is
	// removed and the other does not look for a broker that has gone.
	for _, p := range procs {
		if !slices.ContainsFunc(p.Stdout(), embeddedLine.MatchString) {
			interrupt(t, p)
		}
	}
	for _, p := range procs {
		if slices.ContainsFunc(p.Stdout(), embeddedLine.MatchString) {
			interrupt(t, p)
		}
	}
}

// interrupt presses Ctrl-C and expects a clean exit.
func interrupt(t *testing.T, p *progtest.Proc) {
	t.Helper()
	p.Signal(os.Interrupt)
	if code := p.Wait(deliveryTimeout); code != 0 {
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
func normalise(lines []string, natsPort int, addr, goldenAddr string, names map[string]string) string {
	var b strings.Builder
	for _, line := range lines {
		line = strings.ReplaceAll(line, fmt.Sprintf("nats://127.0.0.1:%d", natsPort), "nats://127.0.0.1:4222")
		line = strings.ReplaceAll(line, "ws://"+addr, "ws://"+goldenAddr)
		for real, golden := range names {
			line = strings.ReplaceAll(line, real, golden)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// Three instances, 36 clients spread over them: every client hears of every
// later join, of every broadcast of every other client exactly once and in
// the order it was sent, never of its own, and of every earlier leave.
func TestManyClientsOnThreeInstances(t *testing.T) {
	// The clients send in rounds, all at once within a round. A round
	// sends each client (clients-1)*perRound messages in a burst, which
	// must stay well under its send queue (lesson 2 drops a client that
	// falls 256 messages behind).
	const instances, perInstance, rounds, perRound = 3, 12, 4, 5
	const messages = rounds * perRound
	c := newTestCluster(t, instances, steadyHeartbeat)

	var clients []*wsClient
	for i := range instances * perInstance {
		clients = append(clients, c.join(i%instances, fmt.Sprintf("client %d", i)))
	}
	n := len(clients)

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
		for i, cl := range clients {
			want := (n - 1 - i) + (n-1)*(round+1)*perRound // later joins, broadcasts so far
			cl.waitUntil(fmt.Sprintf("round %d", round), deliveryTimeout, func(msgs []room.Message) bool {
				return len(msgs) >= want
			})
		}
	}

	// Then they leave one at a time, each once it has received everything
	// it should have; the watchers' notices tell the next one to go.
	for i, cl := range clients {
		want := (n - 1 - i) + (n-1)*messages + i // later joins, broadcasts, earlier leaves
		cl.waitUntil(fmt.Sprintf("%d messages", want), deliveryTimeout, func(msgs []room.Message) bool {
			return len(msgs) >= want
		})
		cl.leave(deliveryTimeout)
		c.waitLeft(cl)
		checkReceived(t, cl, i, clients, messages)
	}
}

// checkReceived checks everything client i of clients received, in the
// scenario above.
func checkReceived(t *testing.T, cl *wsClient, i int, clients []*wsClient, messages int) {
	t.Helper()
	next := make(map[int]int) // sender → the number of its next message
	var joins, leaves []int
	for _, m := range cl.received() {
		switch m.Type {
		case room.TypeConnected:
			joins = append(joins, idIn(t, m.Payload, "Client %d connected"))
		case room.TypeDisconnected:
			leaves = append(leaves, idIn(t, m.Payload, "Client %d disconnected"))
		case room.TypeBroadcast:
			var from, k int
			if _, err := fmt.Sscanf(m.Payload, "from %d #%d", &from, &k); err != nil {
				t.Fatalf("%s: unexpected broadcast %q", cl.name, m.Payload)
			}
			if from == i {
				t.Errorf("%s received its own message %q", cl.name, m.Payload)
			}
			if k != next[from] {
				t.Errorf("%s: from client %d, got #%d, want #%d", cl.name, from, k, next[from])
			}
			next[from] = k + 1
		default:
			t.Errorf("%s: unexpected message %v", cl.name, m)
		}
	}
	for j := range clients {
		if want := messages; j != i && next[j] != want {
			t.Errorf("%s: %d messages from client %d, want %d", cl.name, next[j], j, want)
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
		t.Errorf("%s: joins %v, want %v", cl.name, joins, wantJoins)
	}
	if fmt.Sprint(leaves) != fmt.Sprint(wantLeaves) {
		t.Errorf("%s: leaves %v, want %v", cl.name, leaves, wantLeaves)
	}
}

func idIn(t *testing.T, payload, format string) int {
	t.Helper()
	var id int
	if _, err := fmt.Sscanf(payload, format, &id); err != nil {
		t.Fatalf("unexpected notice %q", payload)
	}
	return id
}

// Sixty clients connect at the same moment, twenty to each of three
// instances: every one gets its own id, and every instance announces the
// same sixty ids.
func TestUniqueIDsUnderConcurrentConnects(t *testing.T) {
	const instances, perInstance = 3, 20
	c := newTestCluster(t, instances, steadyHeartbeat)
	watchers := c.watchers
	before := make([]int, len(watchers))
	for i, w := range watchers {
		before[i] = len(w.received())
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range instances * perInstance {
		wg.Go(func() {
			<-start
			dialClient(t, c.addrs[i%instances], fmt.Sprintf("client %d", i))
		})
	}
	close(start)
	wg.Wait()

	const total = instances * perInstance
	var first []int
	for i, w := range watchers {
		w.waitUntil(fmt.Sprintf("%d joins", total), deliveryTimeout, func(msgs []room.Message) bool {
			return len(msgs) >= before[i]+total
		})
		seen := make(map[int]bool)
		var ids []int
		for _, m := range w.received()[before[i]:] {
			id := idIn(t, m.Payload, "Client %d connected")
			if seen[id] {
				t.Errorf("%s: id %d announced twice", w.name, id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		if len(ids) != total {
			t.Fatalf("%s: %d client ids, want %d: %v", w.name, len(ids), total, ids)
		}
		if i == 0 {
			first = ids
		} else if fmt.Sprint(sorted(ids)) != fmt.Sprint(sorted(first)) {
			t.Errorf("%s saw ids %v, watcher 0 saw %v", w.name, sorted(ids), sorted(first))
		}
	}
	// The counter gives out ids without gaps: the watchers got 1 to 3.
	for i, id := range sorted(first) {
		if id != instances+1+i {
			t.Fatalf("ids %v, want %d to %d", sorted(first), instances+1, instances+total)
		}
	}
}

func sorted(ids []int) []int {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

// Interrupting an instance closes its clients with 1001, it exits 0, and the
// other instances hear of its clients' departures at once, long before
// presence would notice its silence (the heartbeat here is a minute).
func TestCleanShutdownAnnouncesDepartures(t *testing.T) {
	c := newTestCluster(t, 2, time.Minute)
	w := c.watchers[0]
	b1, b2 := c.join(1, "b1"), c.join(1, "b2")

	c.instances[1].Signal(os.Interrupt)
	for _, cl := range []*wsClient{b1, b2} {
		if code := cl.waitEnd(deliveryTimeout); code != websocket.CloseGoingAway {
			t.Errorf("%s: close code %d, want %d", cl.name, code, websocket.CloseGoingAway)
		}
	}
	if code := c.instances[1].Wait(deliveryTimeout); code != 0 {
		t.Errorf("instance 1 exited with %d", code)
	}
	w.waitFor(room.Disconnected(b1.id), deliveryTimeout)
	w.waitFor(room.Disconnected(b2.id), deliveryTimeout)
	c.instances[0].WaitFor(`^Instance \w+ left the cluster$`, deliveryTimeout)
}

func TestUnreachableRemoteBrokerIsAnError(t *testing.T) {
	bin := progtest.Build(t, "example.com/wstutorial/04-scaling/server")
	// 192.0.2.0/24 is reserved for documentation: nothing answers there,
	// and it is not this machine, so no embedded server is started.
	code, _, stderr := progtest.Run(t, startTimeout, bin, "-addr", "127.0.0.1:0", "-nats", "nats://192.0.2.1:4222")
	if code != 1 || len(stderr) != 1 || !strings.HasPrefix(stderr[0], "server: cannot connect to NATS at nats://192.0.2.1:4222") {
		t.Errorf("exit %d, stderr %q; want 1 and one line saying NATS is unreachable", code, stderr)
	}
}
