package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/04-scaling/cluster"
	"example.com/wstutorial/progtest"
)

// Deadlines for things that should take milliseconds. They are generous
// because the tests share a small machine with other work, under -race.
const (
	deliveryTimeout = 10 * time.Second
	startTimeout    = 30 * time.Second
)

// testCluster is a NATS server run by the test and server instances run as
// real processes, the way a reader runs them.
type testCluster struct {
	t         *testing.T
	bin       string
	nats      *cluster.Embedded
	natsPort  int
	heartbeat time.Duration
	instances []*progtest.Proc
	addrs     []string

	// watchers are the first clients, one per instance. Every later join
	// reaches all of them, which is how the test learns the ids the cluster
	// gives out, and knows a join is complete everywhere before the next.
	watchers []*wsClient
	lastID   int // the highest id given out so far
}

func newTestCluster(t *testing.T, instances int, heartbeat time.Duration) *testCluster {
	t.Helper()
	c := &testCluster{
		t:         t,
		bin:       progtest.Build(t, "example.com/wstutorial/04-scaling/server"),
		heartbeat: heartbeat,
	}
	c.startNATS(0)
	for range instances {
		c.startInstance()
	}
	c.watch()
	return c
}

// startNATS starts the broker, on port if it is not 0.
func (c *testCluster) startNATS(port int) {
	c.t.Helper()
	e, err := cluster.StartEmbedded("127.0.0.1", port)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(e.Close)
	c.nats = e
	c.natsPort = e.Port()
}

func (c *testCluster) natsURL() string {
	return "nats://127.0.0.1:" + strconv.Itoa(c.natsPort)
}

func (c *testCluster) startInstance() *progtest.Proc {
	c.t.Helper()
	p := progtest.Start(c.t, c.bin, "-addr", "127.0.0.1:0", "-nats", c.natsURL(), "-heartbeat", c.heartbeat.String())
	c.instances = append(c.instances, p)
	c.addrs = append(c.addrs, p.Addr())
	return p
}

// watch connects one watcher to each instance, before any other client.
func (c *testCluster) watch() {
	c.t.Helper()
	for i := range c.instances {
		w := dialClient(c.t, c.addrs[i], fmt.Sprintf("watcher %d", i))
		// The first client of an instance: its log shows when it is in
		// the room (the line comes after the client is added).
		line := c.instances[i].WaitFor(`^Client \d+ connected$`, deliveryTimeout)
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
	for k := range c.watchers {
		for j, other := range c.watchers {
			if j != k {
				other.waitFor(broadcast(fmt.Sprintf("sync %d", k)), deliveryTimeout)
			}
		}
	}
}

// join connects a client to instance i and waits until every watcher has
// heard of it: then every instance has it, and the next join comes after it
// for everyone. (Waiting for one watcher would not do: a watcher on the same
// instance hears of a join before the other instances do.)
func (c *testCluster) join(i int, name string) *wsClient {
	c.t.Helper()
	before := make([]int, len(c.watchers))
	for k, w := range c.watchers {
		before[k] = len(w.received())
	}
	cl := dialClient(c.t, c.addrs[i], name)
	for k, w := range c.watchers {
		var id int
		w.waitUntil("the join of "+name, deliveryTimeout, func(msgs []room.Message) bool {
			for _, m := range msgs[before[k]:] {
				// Ids increase: a lower one is a client announced again
				// (presence repairing a view after a busy moment).
				if m.Type == room.TypeConnected {
					if id = idIn(c.t, m.Payload, "Client %d connected"); id > c.lastID {
						return true
					}
				}
			}
			return false
		})
		if k > 0 && id != cl.id {
			c.t.Fatalf("%s heard of client %d joining, %s of client %d", c.watchers[0].name, cl.id, w.name, id)
		}
		cl.id = id
	}
	c.lastID = cl.id
	return cl
}

// waitLeft waits until every watcher still connected has heard that cl left.
func (c *testCluster) waitLeft(cl *wsClient) {
	c.t.Helper()
	for _, w := range c.watchers {
		w.waitFor(room.Disconnected(cl.id), deliveryTimeout)
	}
}

func goldenLines(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// checkGolden compares output with the golden file testdata/name.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	want := strings.Join(goldenLines(t, name), "\n") + "\n"
	if got != want {
		t.Errorf("output:\n%s\nwant (testdata/%s):\n%s", got, name, want)
	}
}
