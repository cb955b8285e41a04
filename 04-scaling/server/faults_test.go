package main

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/04-scaling/cluster"
)

const (
	// fastHeartbeat makes presence act within a fraction of a second, for
	// the tests about presence.
	fastHeartbeat = 200 * time.Millisecond

	// steadyHeartbeat is for the tests that count every message: long, so
	// that a stall of a busy machine never passes for a dead instance and
	// adds notices to the counts.
	steadyHeartbeat = 10 * time.Second
)

// The broker goes away and comes back empty (a restart without its data).
// Meanwhile each instance keeps serving its own clients, turns new ones away
// (it cannot give out a safe id), and tells its clients the others are
// unreachable; afterwards, everyone is back, traffic crosses instances again,
// and new ids continue above the old ones.
func TestBrokerRestart(t *testing.T) {
	c := newTestCluster(t, 3, fastHeartbeat)
	a1 := c.join(0, "a1")
	a2 := c.join(0, "a2")
	b1 := c.join(1, "b1")
	c1 := c.join(2, "c1")

	c.nats.Close()
	for _, p := range c.instances {
		p.WaitFor(`^NATS: lost the connection to the broker`, deliveryTimeout)
	}

	// Local clients still hear each other.
	a2.say("while the broker is down")
	a1.waitFor(broadcast("while the broker is down"), deliveryTimeout)
	// Presence notices the other instances are gone, both ways.
	a1.waitFor(room.Disconnected(b1.id), deliveryTimeout)
	a1.waitFor(room.Disconnected(c1.id), deliveryTimeout)
	b1.waitFor(room.Disconnected(a1.id), deliveryTimeout)
	b1.waitFor(room.Disconnected(a2.id), deliveryTimeout)
	// A new client cannot get an id.
	refused := dialClient(t, c.addrs[0], "refused")
	if code := refused.waitEnd(deliveryTimeout); code != websocket.CloseTryAgainLater {
		t.Errorf("new client during the outage: close code %d, want %d", code, websocket.CloseTryAgainLater)
	}

	c.startNATS(c.natsPort)
	reconnected := regexp.MustCompile(`^NATS: reconnected to \S+; new ids continue after (\d+)$`)
	for _, p := range c.instances {
		p.WaitFor(reconnected.String(), startTimeout)
	}

	// The others come back...
	a1.waitFor(room.Connected(b1.id), deliveryTimeout)
	a1.waitFor(room.Connected(c1.id), deliveryTimeout)
	b1.waitFor(room.Connected(a1.id), deliveryTimeout)
	// ...and traffic crosses instances again.
	a2.say("after the restart")
	b1.waitFor(broadcast("after the restart"), deliveryTimeout)
	c1.waitFor(broadcast("after the restart"), deliveryTimeout)
	// What was said during the outage stayed where it was said
	// (at-most-once: nothing is replayed).
	for _, cl := range []*wsClient{b1, c1} {
		for _, m := range cl.received() {
			if m == broadcast("while the broker is down") {
				t.Errorf("%s received a broadcast from the outage", cl.name)
			}
		}
	}
	// The broker lost the counter, and the instances put it back: the
	// next id is above every id in use.
	d1 := c.join(2, "d1")
	if d1.id <= c1.id {
		t.Errorf("new client got id %d; ids up to %d are in use", d1.id, c1.id)
	}
	b1.waitFor(room.Connected(d1.id), deliveryTimeout)
}

// An instance is killed outright (no goodbye, no leaves): the others notice
// its heartbeats have stopped and tell their clients its clients are gone.
func TestInstanceKilled(t *testing.T) {
	c := newTestCluster(t, 3, fastHeartbeat)
	a1 := c.join(0, "a1")
	b1, b2 := c.join(1, "b1"), c.join(1, "b2")
	c1 := c.join(2, "c1")

	killed := time.Now()
	c.instances[1].Signal(os.Kill)
	for _, cl := range []*wsClient{a1, c1} {
		cl.waitFor(room.Disconnected(b1.id), deliveryTimeout)
		cl.waitFor(room.Disconnected(b2.id), deliveryTimeout)
	}
	// Stated: between MissedBeats and MissedBeats+1 heartbeats after the
	// last one, plus delivery. A measure, not a check: timing targets
	// belong in benchmarks, not in tests on a shared machine.
	t.Logf("departures announced %s after the kill (heartbeat %s: stated %s to %s after the last heartbeat)",
		time.Since(killed).Round(time.Millisecond), fastHeartbeat,
		cluster.MissedBeats*fastHeartbeat, (cluster.MissedBeats+1)*fastHeartbeat)
	c.instances[0].WaitFor(`^Instance \w+ has been silent for \S+; its clients are presumed gone: [0-9, ]+$`, deliveryTimeout)

	// The survivors still talk.
	a1.say("still here")
	c1.waitFor(broadcast("still here"), deliveryTimeout)
}
