package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"

	"example.com/wstutorial/02-stateful/room"
	"example.com/wstutorial/04-scaling/cluster"
	"example.com/wstutorial/progtest"
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

// admit dials instance p at addr until it lets a client in, and returns the
// client with its id, read from the instance's log. While an instance cannot
// give out a safe id, it turns clients away with 1013 (try again later) and
// logs it; nothing else may join p meanwhile.
func admit(t *testing.T, p *progtest.Proc, addr, name string) *member {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		before := len(p.Stdout())
		m := dialMember(t, addr, name)
		var verdict string
		progtest.WaitUntil(t, name+" admitted or turned away", func() bool {
			for _, line := range p.Stdout()[before:] {
				if joined.MatchString(line) || strings.HasPrefix(line, "Turned a client away") {
					verdict = line
					return true
				}
			}
			return false
		})
		if joined.MatchString(verdict) {
			m.id = idIn(t, verdict, "Client %d connected")
			return m
		}
		if code := m.CloseCode(); code != websocket.CloseTryAgainLater {
			t.Fatalf("%s: turned away with close code %d, want %d", name, code, websocket.CloseTryAgainLater)
		}
		time.Sleep(50 * time.Millisecond) // the pace of a client trying again, not a wait for an event
	}
	t.Fatalf("%s: not admitted within %s", name, startTimeout)
	return nil
}

var joined = regexp.MustCompile(`^Client \d+ connected$`)

// The broker goes away and comes back empty (a restart without its data).
// Meanwhile each instance keeps serving its own clients, turns new ones away
// (it cannot give out a safe id), and tells its clients the others are
// unreachable; afterwards, everyone is back, traffic crosses instances again,
// and new ids continue above the old ones, also on an instance started just
// after the broker, which knows of no ids (it must wait to hear of them).
func TestBrokerRestart(t *testing.T) {
	c := newTestCluster(t, 3, fastHeartbeat)
	a1 := c.join(0, "a1")
	a2 := c.join(0, "a2")
	b1 := c.join(1, "b1")
	c1 := c.join(2, "c1")

	c.nats.Close()
	for _, p := range c.instances {
		p.WaitFor(`^NATS: lost the connection to the broker`, progtest.WaitLimit)
	}

	// Local clients still hear each other, and presence notices the other
	// instances are gone, both ways.
	a2.say("while the broker is down")
	a1.awaitAll(broadcast("while the broker is down"), room.Disconnected(b1.id), room.Disconnected(c1.id))
	b1.awaitAll(room.Disconnected(a1.id), room.Disconnected(a2.id))
	// A new client cannot get an id.
	refused := dialMember(t, c.addrs[0], "refused")
	if code := refused.CloseCode(); code != websocket.CloseTryAgainLater {
		t.Errorf("new client during the outage: close code %d, want %d", code, websocket.CloseTryAgainLater)
	}

	c.startNATS(c.natsPort)
	// A new instance, which has never seen an id, starts at once.
	late := progtest.Start(t, c.bin, c.args()...)
	d1 := admit(t, late, late.Addr(), "d1")
	if d1.id <= c1.id {
		t.Errorf("a client of the new instance got id %d; ids up to %d are in use", d1.id, c1.id)
	}
	for _, p := range c.instances {
		p.WaitFor(`^Admitting clients: new ids continue after \d+$`, startTimeout)
	}

	// The others come back...
	a1.awaitAll(room.Connected(b1.id), room.Connected(c1.id), room.Connected(d1.id))
	// ...and traffic crosses instances again.
	a2.say("after the restart")
	for _, cl := range []*member{b1, c1} {
		// What was said during the outage stayed where it was said
		// (at-most-once: nothing is replayed).
		if got := cl.awaitAll(broadcast("after the restart")); containsAll(got, broadcast("while the broker is down")) {
			t.Errorf("%s received a broadcast from the outage", cl.Name)
		}
	}
	// The ids keep increasing on the old instances too.
	e1 := admit(t, c.instances[2], c.addrs[2], "e1")
	if e1.id <= d1.id {
		t.Errorf("new client got id %d; ids up to %d are in use", e1.id, d1.id)
	}
}

// containsAll reports whether msgs holds every one of want.
func containsAll(msgs []room.Message, want ...room.Message) bool {
	for _, w := range want {
		if !slices.Contains(msgs, w) {
			return false
		}
	}
	return true
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
	for _, cl := range []*member{a1, c1} {
		cl.awaitAll(room.Disconnected(b1.id), room.Disconnected(b2.id))
	}
	// Stated: between MissedBeats and MissedBeats+1 heartbeats after the
	// last one, plus delivery. A measure, not a check: timing targets
	// belong in benchmarks, not in tests on a shared machine.
	t.Logf("departures announced %s after the kill (heartbeat %s: stated %s to %s after the last heartbeat)",
		time.Since(killed).Round(time.Millisecond), fastHeartbeat,
		cluster.MissedBeats*fastHeartbeat, (cluster.MissedBeats+1)*fastHeartbeat)
	c.instances[0].WaitFor(`^Instance \w+ has been silent for \S+; its clients are presumed gone: [0-9, ]+$`, progtest.WaitLimit)

	// The survivors still talk.
	a1.say("still here")
	c1.awaitAll(broadcast("still here"))
}

// The instance hosting the embedded broker is killed. The other takes the
// broker over on the same address, rebuilds the counter above the ids its
// clients hold, and admits clients again within seconds; the killed instance,
// started again, joins that broker, and its clients get ids above all those.
func TestBrokerHostKilled(t *testing.T) {
	bin := build(t, "example.com/wstutorial/04-scaling/server")
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", progtest.FreePort(t))
	state := t.TempDir()
	start := func() (*progtest.Proc, string) {
		p := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-nats", natsURL, "-heartbeat", fastHeartbeat.String(), "-state", state)
		addr := p.Addr()
		p.WaitFor(`^Admitting clients`, startTimeout)
		return p, addr
	}
	host, hostAddr := start()
	survivor, survivorAddr := start()
	if !slices.ContainsFunc(host.Stdout(), embeddedLine.MatchString) {
		t.Fatal("the first instance did not start the broker")
	}
	a1 := admit(t, host, hostAddr, "a1")
	var bs []*member
	for i := range 3 {
		bs = append(bs, admit(t, survivor, survivorAddr, fmt.Sprintf("b%d", i+1)))
	}
	highest := bs[len(bs)-1].id

	killed := time.Now()
	host.Signal(os.Kill)
	survivor.WaitFor(`^NATS: nothing answers at .* any more, so this instance started an embedded NATS server there$`, startTimeout)
	survivor.WaitFor(`^NATS: reconnected to `, startTimeout)
	b4 := admit(t, survivor, survivorAddr, "b4")
	t.Logf("the survivor took the broker over and admitted a client %s after the kill", time.Since(killed).Round(time.Millisecond))
	if b4.id <= highest {
		t.Errorf("after the takeover, a client got id %d; ids up to %d are in use", b4.id, highest)
	}
	// The survivor's clients stayed, and heard that the killed instance's
	// client left.
	bs[0].awaitAll(room.Disconnected(a1.id))

	restarted, restartedAddr := start()
	if slices.ContainsFunc(restarted.Stdout(), embeddedLine.MatchString) {
		t.Fatal("the restarted instance started a second broker")
	}
	a2 := admit(t, restarted, restartedAddr, "a2")
	if a2.id <= b4.id {
		t.Errorf("on the restarted instance, a client got id %d; ids up to %d are in use", a2.id, b4.id)
	}
	// One room again.
	a2.say("back")
	for _, b := range append(bs, b4) {
		b.awaitAll(broadcast("back"))
	}
}

// Only the instances may speak on the embedded broker: a program on the
// same machine without the token cannot connect, so its forged join and
// broadcast reach no WebSocket client.
func TestForgedPublishReachesNoClient(t *testing.T) {
	t.Parallel() // it mostly waits: for a broker, a timeout, a process
	bin := build(t, "example.com/wstutorial/04-scaling/server")
	natsURL := fmt.Sprintf("nats://127.0.0.1:%d", progtest.FreePort(t))
	state := t.TempDir()
	var addrs []string
	for range 2 {
		p := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-nats", natsURL, "-state", state)
		addrs = append(addrs, p.Addr())
		p.WaitFor(`^Admitting clients`, startTimeout)
	}
	watcher := dialMember(t, addrs[0], "watcher")
	speaker := dialMember(t, addrs[1], "speaker")

	forger, err := nats.Connect(natsURL)
	if err == nil {
		defer forger.Close()
		t.Errorf("a program without the token connected to the broker")
		for _, m := range []room.Message{room.Connected(999), broadcast("forged")} {
			data, _ := json.Marshal(map[string]any{"instance": "forger", "from": 999, "message": m})
			if err := forger.Publish("wstutorial.room.events", data); err != nil {
				t.Fatal(err)
			}
		}
		if err := forger.Flush(); err != nil {
			t.Fatal(err)
		}
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("connecting without the token: %v; want %v", err, nats.ErrAuthorization)
	}

	speaker.say("genuine")
	for _, m := range watcher.Until(broadcast("genuine")) {
		if m != room.Connected(2) {
			t.Errorf("the watcher received %v", m)
		}
	}
}

// A killed instance that hosted the broker leaves nothing behind but the
// token file in its state directory: the broker keeps its data in memory,
// and writes nothing to the temporary directory.
func TestKilledHostLeavesNoData(t *testing.T) {
	bin := build(t, "example.com/wstutorial/04-scaling/server")
	tmp, state := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	natsPort := progtest.FreePort(t)
	p := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-nats", fmt.Sprintf("nats://127.0.0.1:%d", natsPort), "-state", state)
	admit(t, p, p.Addr(), "client") // the counter exists: the broker holds data
	// What is there now is what a crash would leave.
	p.Signal(os.Kill)

	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("the temporary directory holds %v, want nothing", entries)
	}
	var files []string
	_ = filepath.WalkDir(state, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(path, state+string(filepath.Separator)))
		}
		return nil
	})
	if want := []string{fmt.Sprintf("nats-%d.token", natsPort)}; !slices.Equal(files, want) {
		t.Errorf("the state directory holds %v, want only %v", files, want)
	}
}
