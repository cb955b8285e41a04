package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/progtest"
)

// natsNode is one server of a NATS cluster the test runs in this process.
type natsNode struct {
	srv *server.Server
	url string
}

// startNATSCluster starts three NATS servers with JetStream, routed to each
// other, as production runs NATS, and waits until JetStream works on them.
func startNATSCluster(t *testing.T) []*natsNode {
	t.Helper()
	// The route ports are picked free, but something else on the machine
	// may take one before its server listens on it: then start again.
	for range 3 {
		if nodes := tryNATSCluster(t); nodes != nil {
			progtest.WaitUntil(t, "JetStream ready on the NATS cluster", func() bool {
				return slices.ContainsFunc(nodes, func(n *natsNode) bool { return n.srv.JetStreamIsLeader() })
			})
			return nodes
		}
	}
	t.Fatal("cannot start a NATS cluster")
	return nil
}

// tryNATSCluster starts the three servers, or returns nil if one of them
// cannot listen.
func tryNATSCluster(t *testing.T) []*natsNode {
	t.Helper()
	const size = 3
	routePorts := make([]int, size)
	var routeURLs []string
	for i := range routePorts {
		routePorts[i] = progtest.FreePort(t)
		routeURLs = append(routeURLs, fmt.Sprintf("nats://127.0.0.1:%d", routePorts[i]))
	}
	routes := server.RoutesFromStr(strings.Join(routeURLs, ","))
	var nodes []*natsNode
	for i := range size {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			Cluster: server.ClusterOpts{
				Name: "wstutorial",
				Host: "127.0.0.1",
				Port: routePorts[i],
			},
			Routes: routes,
			NoSigs: true,
			NoLog:  true,
		}
		srv, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		srv.Start()
		nodes = append(nodes, &natsNode{srv: srv, url: srv.ClientURL()})
		if !srv.ReadyForConnections(progtest.WaitLimit / 2) {
			t.Logf("NATS server n%d did not start; trying other ports", i+1)
			for _, n := range nodes {
				n.srv.Shutdown()
			}
			return nil
		}
		t.Cleanup(srv.Shutdown)
	}
	return nodes
}

// probe is one attempt by a new client to join an instance.
type probe struct {
	instance      int
	start, answer time.Time
	admitted      bool
}

// The room on a real NATS cluster of three servers, one of which is stopped
// in the middle of the traffic. The instances connected to it move to the
// others; nothing is delivered twice, no id is given out twice, and presence
// is right afterwards. The test reports how long new clients waited to be
// let in, and how many broadcasts core NATS lost (it delivers at most once).
//
//	go test -run NATSCluster -v ./04-scaling/server
func TestOnANATSClusterWhenOneServerStops(t *testing.T) {
	nodes := startNATSCluster(t)
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.url)
	}
	c := &testCluster{t: t, url: strings.Join(urls, ",")}
	// The instances create the counter themselves, after the few seconds
	// they wait to hear of ids in use. The heartbeat is a second, as by
	// default: a move to another NATS server must not pass for a death.
	c.start(3, time.Second)

	// The counter's bucket is kept by all three NATS servers.
	ctx, cancel := context.WithTimeout(context.Background(), progtest.WaitLimit)
	defer cancel()
	nc, err := nats.Connect(c.url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, "KV_wstutorial_room")
	if err != nil {
		t.Fatal(err)
	}
	if replicas := stream.CachedInfo().Config.Replicas; replicas != 3 {
		t.Errorf("the id counter's bucket has %d replicas, want 3", replicas)
	}

	const perInstance = 4
	var members []*member
	for i := range 3 * perInstance {
		members = append(members, c.join(i%3, fmt.Sprintf("member %d", i)))
	}

	// The NATS server to stop: the one the first instance is connected to,
	// so that at least one instance has to move.
	connected := regexp.MustCompile(`^NATS: connected to (nats://\S+)$`)
	victim := slices.IndexFunc(nodes, func(n *natsNode) bool {
		return n.url == connected.FindStringSubmatch(c.instances[0].WaitFor(connected.String(), progtest.WaitLimit))[1]
	})
	if victim < 0 {
		t.Fatal("cannot tell which NATS server the first instance is on")
	}

	// Traffic: every member sends a numbered broadcast every 20 ms, and a
	// new client tries to join each instance every 100 ms, for three
	// seconds before the stop and three after.
	const sendEvery, probeEvery, phase = 20 * time.Millisecond, 100 * time.Millisecond, 3 * time.Second
	stopTraffic := make(chan struct{})
	sent := make([]int, len(members))
	var probesMu sync.Mutex
	var probes []probe
	var traffic sync.WaitGroup
	for i, m := range members {
		traffic.Go(func() {
			tick := time.NewTicker(sendEvery)
			defer tick.Stop()
			for {
				select {
				case <-stopTraffic:
					return
				case <-tick.C:
					m.say(fmt.Sprintf("from %d #%d", i, sent[i]))
					sent[i]++
				}
			}
		})
	}
	for inst, addr := range c.addrs {
		traffic.Go(func() {
			tick := time.NewTicker(probeEvery)
			defer tick.Stop()
			for k := 0; ; k++ {
				select {
				case <-stopTraffic:
					return
				case <-tick.C:
				}
				p := probe{instance: inst, start: time.Now()}
				p.admitted = tryJoin(t, addr, fmt.Sprintf("probe %d.%d", inst, k))
				p.answer = time.Now()
				probesMu.Lock()
				probes = append(probes, p)
				probesMu.Unlock()
			}
		})
	}

	time.Sleep(phase) // traffic runs; nothing to wait for
	stopped := time.Now()
	nodes[victim].srv.Shutdown()
	time.Sleep(phase)
	close(stopTraffic)
	traffic.Wait()
	ended := time.Now()

	// Every member says a last word, and hears everyone else's: what
	// was sent before it has arrived, wherever it was going to.
	for i, m := range members {
		m.say(fmt.Sprintf("last from %d", i))
	}
	lost, total := 0, 0
	for i, m := range members {
		var want []room.Message
		for j := range members {
			if j != i {
				want = append(want, broadcast(fmt.Sprintf("last from %d", j)))
			}
		}
		lost += checkTraffic(t, m, i, members, sent, m.awaitAll(want...))
		total += sumExcept(sent, i)
	}
	t.Logf("broadcasts lost (core NATS delivers at most once): %d of %d deliveries", lost, total)

	checkIDsUnique(t, c)
	reportAdmissions(t, probes, stopped, ended)
	moved := 0
	for i, p := range c.instances {
		if slices.ContainsFunc(p.Stdout(), func(line string) bool { return strings.HasPrefix(line, "NATS: reconnected to ") }) {
			moved++
		}
		for _, line := range p.Stdout() {
			if strings.Contains(line, "presumed gone") {
				t.Errorf("instance %d: %s", i, line)
			}
		}
	}
	t.Logf("%d of 3 instances were on the stopped NATS server and moved to another", moved)
}

// tryJoin connects a new client to addr and leaves at once. It reports
// whether the instance let it in: if so, it answers the client's close
// frame with 1000; if not, it has closed with 1013 (try again later).
func tryJoin(t *testing.T, addr, name string) bool {
	r, err := progtest.Dial[room.Message](t, name, "ws://"+addr, nil)
	if err != nil {
		t.Error(err)
		return false
	}
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	if err := r.Conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(progtest.WaitLimit)); err != nil &&
		!errors.Is(err, websocket.ErrCloseSent) {
		return false // already closed by the server: turned away
	}
	return r.CloseCode() == websocket.CloseNormalClosure
}

// checkTraffic checks what member i received: every other member's
// broadcasts at most once each and in order, and no member announced gone.
// It returns how many of the others' broadcasts it did not receive.
func checkTraffic(t *testing.T, m *member, i int, members []*member, sent []int, got []room.Message) int {
	t.Helper()
	next := make(map[int]int) // sender → the number of its next message expected
	lost := 0
	memberIDs := make(map[int]bool)
	for _, other := range members {
		memberIDs[other.id] = true
	}
	for _, msg := range got {
		switch msg.Type {
		case room.TypeBroadcast:
			var from, k int
			if _, err := fmt.Sscanf(msg.Payload, "from %d #%d", &from, &k); err != nil {
				continue // a last word
			}
			if k < next[from] {
				t.Errorf("%s: from member %d, #%d after #%d: delivered twice or out of order", m.Name, from, k, next[from]-1)
			}
			lost += max(0, k-next[from])
			next[from] = k + 1
		case room.TypeDisconnected:
			if id := idIn(t, msg.Payload, "Client %d disconnected"); memberIDs[id] {
				t.Errorf("%s was told that client %d, a member still connected, has gone", m.Name, id)
			}
		}
	}
	for j := range members {
		if j != i {
			lost += sent[j] - next[j]
		}
	}
	return lost
}

func sumExcept(sent []int, i int) int {
	total := 0
	for j, n := range sent {
		if j != i {
			total += n
		}
	}
	return total
}

// checkIDsUnique checks that no two clients anywhere got the same id.
func checkIDsUnique(t *testing.T, c *testCluster) {
	t.Helper()
	seen := make(map[int]int) // id → instance
	for i, p := range c.instances {
		for _, line := range p.Stdout() {
			if joined.MatchString(line) {
				id := idIn(t, line, "Client %d connected")
				if other, dup := seen[id]; dup {
					t.Errorf("id %d given out by instance %d and instance %d", id, other, i)
				}
				seen[id] = i
			}
		}
	}
	t.Logf("%d ids given out, none twice", len(seen))
}

// reportAdmissions logs, per instance, how new clients fared from the stop
// of the NATS server to the end of the traffic: how many were turned away,
// the longest a client waited for its answer, and the longest stretch
// without a client let in.
func reportAdmissions(t *testing.T, probes []probe, stopped, ended time.Time) {
	t.Helper()
	for inst := range 3 {
		var refused int
		var slowest, pause time.Duration
		lastIn := stopped
		for _, p := range probes {
			if p.instance != inst || p.answer.Before(stopped) {
				continue
			}
			slowest = max(slowest, p.answer.Sub(p.start))
			if !p.admitted {
				refused++
				continue
			}
			pause = max(pause, p.answer.Sub(lastIn))
			lastIn = p.answer
		}
		pause = max(pause, ended.Sub(lastIn))
		t.Logf("instance %d after the stop: %d clients turned away, slowest answer %s, longest stretch without admitting %s",
			inst, refused, slowest.Round(time.Millisecond), pause.Round(time.Millisecond))
	}
}
