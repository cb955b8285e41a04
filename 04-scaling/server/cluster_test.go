package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/04-scaling/cluster"
	"example.com/wstutorial/progtest"
)

// startTimeout bounds what takes seconds by design: a server built and
// started, a broker taken over, a counter rebuilt.
const startTimeout = 30 * time.Second

// member is a test's client of one instance: the shared recording client,
// and the id the cluster gave it once the test has learnt it.
type member struct {
	*progtest.Recorder[room.Message]
	t  *testing.T
	id int
}

func dialMember(t *testing.T, addr, name string) *member {
	t.Helper()
	return &member{Recorder: progtest.MustDial[room.Message](t, name, "ws://"+addr), t: t}
}

func (m *member) say(text string) { m.Send(broadcast(text)) }

// awaitAll reads messages until every one of want has arrived, in any order
// (between instances there is none), and returns all it read.
func (m *member) awaitAll(want ...room.Message) []room.Message {
	m.t.Helper()
	missing := slices.Clone(want)
	var got []room.Message
	for len(missing) > 0 {
		msg := m.Next()
		got = append(got, msg)
		if i := slices.Index(missing, msg); i >= 0 {
			missing = slices.Delete(missing, i, i+1)
		}
	}
	return got
}

func broadcast(text string) room.Message {
	return room.Message{Type: room.TypeBroadcast, Payload: text}
}

// testCluster is a NATS server run by the test and server instances run as
// real processes, the way a reader runs them.
type testCluster struct {
	t         *testing.T
	bin       string
	nats      *cluster.Embedded // the broker, unless the test runs a NATS cluster
	natsPort  int
	url       string // the instances' -nats
	state     string // the instances' -state directory
	heartbeat time.Duration
	instances []*progtest.Proc
	addrs     []string

	// watchers are the first clients, one per instance. Every later join
	// reaches all of them, which is how the test learns the ids the cluster
	// gives out, and knows a join is complete everywhere before the next.
	watchers []*member
	lastID   int // the highest id given out so far
}

// newTestCluster starts a broker with an id counter, and instances on it.
func newTestCluster(t *testing.T, instances int, heartbeat time.Duration) *testCluster {
	t.Helper()
	c := &testCluster{t: t}
	c.startNATS(0)
	c.createCounter()
	c.start(instances, heartbeat)
	return c
}

// start starts the instances on the broker at c.url, each with a watcher.
func (c *testCluster) start(instances int, heartbeat time.Duration) {
	c.t.Helper()
	c.bin = build(c.t, "example.com/wstutorial/04-scaling/server")
	c.state = c.t.TempDir()
	c.heartbeat = heartbeat
	for range instances {
		c.startInstance()
	}
	c.watch()
}

// startNATS starts the broker, on port if it is not 0.
func (c *testCluster) startNATS(port int) {
	c.t.Helper()
	e, err := cluster.StartEmbedded("127.0.0.1", port, "", c.t.TempDir())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(e.Close)
	c.nats = e
	c.natsPort = e.Port()
	c.url = "nats://127.0.0.1:" + strconv.Itoa(c.natsPort)
}

// createCounter creates the id counter, as an operator may before starting
// the instances. Otherwise the first instance waits a few seconds to hear of
// ids in use before it creates it.
func (c *testCluster) createCounter() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	b, err := cluster.Dial(ctx, cluster.Options{URL: c.url, NoEmbed: true, Logger: testLogger(c.t)})
	if err != nil {
		c.t.Fatal(err)
	}
	defer b.Close()
	counter, err := cluster.NewCounter(b.Conn)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := counter.Restore(ctx, true); err != nil {
		c.t.Fatal(err)
	}
}

// args is an instance's command line. The broker is the test's: an instance
// neither starts one nor takes it over when it goes away.
func (c *testCluster) args() []string {
	return []string{"-addr", "127.0.0.1:0", "-nats", c.url, "-embed=false",
		"-heartbeat", c.heartbeat.String(), "-state", c.state}
}

// startInstance starts an instance and waits until it admits clients.
func (c *testCluster) startInstance() *progtest.Proc {
	c.t.Helper()
	p := progtest.Start(c.t, c.bin, c.args()...)
	c.instances = append(c.instances, p)
	c.addrs = append(c.addrs, p.Addr())
	p.WaitFor(`^Admitting clients`, startTimeout)
	return p
}

// watch connects one watcher to each instance, before any other client.
func (c *testCluster) watch() {
	c.t.Helper()
	for i := range c.instances {
		w := dialMember(c.t, c.addrs[i], fmt.Sprintf("watcher %d", i))
		// The first client of an instance: its log shows when it is in
		// the room (the line comes after the client is added).
		line := c.instances[i].WaitFor(`^Client \d+ connected$`, progtest.WaitLimit)
		w.id = idIn(c.t, line, "Client %d connected")
		c.lastID = max(c.lastID, w.id)
		c.watchers = append(c.watchers, w)
	}
	// The watchers' joins may still be on their way to the other
	// instances. Each watcher says something, and waits for the others to
	// hear it: an instance's events arrive in order, so by then every
	// instance has had every join before it.
	for k, w := range c.watchers {
		w.say(fmt.Sprintf("sync %d", k))
	}
	for j, w := range c.watchers {
		var syncs []room.Message
		for k := range c.watchers {
			if k != j {
				syncs = append(syncs, broadcast(fmt.Sprintf("sync %d", k)))
			}
		}
		w.awaitAll(syncs...)
	}
}

// join connects a client to instance i and waits until every watcher has
// heard of it: then every instance has it, and the next join comes after it
// for everyone. (Waiting for one watcher would not do: a watcher on the same
// instance hears of a join before the other instances do.)
func (c *testCluster) join(i int, name string) *member {
	c.t.Helper()
	m := dialMember(c.t, c.addrs[i], name)
	for k, w := range c.watchers {
		id := c.nextJoin(w)
		if k > 0 && id != m.id {
			c.t.Fatalf("%s heard of client %d joining, %s of client %d", c.watchers[0].Name, m.id, w.Name, id)
		}
		m.id = id
	}
	c.lastID = m.id
	return m
}

// nextJoin reads w's messages until the join of a client newer than every
// one so far, and returns its id. Ids increase: a lower one is a client
// announced again (presence repairing a view after a busy moment).
func (c *testCluster) nextJoin(w *member) int {
	c.t.Helper()
	for {
		if msg := w.Next(); msg.Type == room.TypeConnected {
			if id := idIn(c.t, msg.Payload, "Client %d connected"); id > c.lastID {
				return id
			}
		}
	}
}

// waitLeft waits until every watcher has heard that m left.
func (c *testCluster) waitLeft(m *member) {
	c.t.Helper()
	for _, w := range c.watchers {
		w.awaitAll(room.Disconnected(m.id))
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

// testLogger is a logger whose lines the test shows if it fails.
func testLogger(t *testing.T) *log.Logger { return log.New(progtest.NewLog(t), "", 0) }

func goldenLines(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}
