package rooms

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// Beyond -max-conns, a client is refused with 503 before the upgrade, and
// the refusals are logged at a bounded rate. A client that leaves makes
// room for another.
func TestConnectionCap(t *testing.T) {
	ns := startJetStream(t)
	a := startLimited(t, ns, generous, Options{MaxConns: 2})
	first := member(t, a, "first", "lobby")
	member(t, a, "second", "kitchen")
	for i := range 10 {
		refused(t, a, fmt.Sprintf("third-%d", i), "lobby")
	}
	if n := count(a.log.Lines(), "Refused a client"); n < 1 || n > 2 {
		t.Errorf("%d refusals logged of 10 in a moment, want 1 or 2", n)
	}
	first.Close()
	progtest.WaitUntil(t, "the first client's connection released", func() bool { return a.srv.open.Load() == 1 })
	member(t, a, "third", "lobby")
}

// Beyond -max-rooms, a client of a new room is refused with 503 before the
// upgrade; a client of a room the server follows is not.
func TestRoomCap(t *testing.T) {
	ns := startJetStream(t)
	a := startLimited(t, ns, generous, Options{MaxRooms: 1})
	member(t, a, "first", "lobby")
	refused(t, a, "other", "kitchen")
	member(t, a, "second", "lobby")
	if n := consumers(t, ns); n != 1 {
		t.Errorf("%d consumers, want 1: a refused room must cost nothing", n)
	}
}

// refused checks that a client of room is turned away with 503.
func refused(t *testing.T, in *instance, name, room string) {
	t.Helper()
	_, err := progtest.Dial[Event](t, name, fmt.Sprintf("%s/rooms/%s", in.url, room), nil)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", http.StatusServiceUnavailable)) {
		t.Fatalf("%s: %v, want HTTP 503", name, err)
	}
}

// Bad and binary messages are ignored, and logged at a bounded rate, with
// the count of those left out.
func TestBadInputLoggedAtABoundedRate(t *testing.T) {
	ns := startJetStream(t)
	a := startInstance(t, ns, generous)
	listener := member(t, a, "listener", "lobby")
	sender := member(t, a, "sender", "lobby")
	listener.Next() // the sender's arrival
	for range 20 {
		sender.SendRaw(websocket.BinaryMessage, []byte{1, 2, 3})
		sender.SendRaw(websocket.TextMessage, []byte(`{"type":"broadcast"`))
	}
	say(sender, "still here")
	if e := listener.Next(); e.Payload != "still here" {
		t.Fatalf("the listener heard %+v, want the sender's broadcast", e)
	}
	if n := count(a.log.Lines(), "sent a b"); n < 1 || n > 2 {
		t.Errorf("%d lines logged for 40 bad messages in a moment, want 1 or 2", n)
	}
	sender.Close() // the next bad message would say how many were left out
}

// count returns how many lines contain text.
func count(lines []string, text string) int {
	n := 0
	for _, line := range lines {
		if strings.Contains(line, text) {
			n++
		}
	}
	return n
}

// A handshake from a foreign page is refused (403) before it costs the
// NATS server anything: no request to JetStream, no consumer.
func TestForeignOriginCostsNoRoom(t *testing.T) {
	ns := startJetStream(t)
	a := startInstance(t, ns, generous)
	before := apiCalls(t, a)
	_, err := progtest.Dial[Event](t, "foreign", a.url+"/rooms/lobby", http.Header{"Origin": {"http://evil.example"}})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", http.StatusForbidden)) {
		t.Fatalf("a foreign origin: %v, want HTTP 403", err)
	}
	if calls := apiCalls(t, a) - before; calls != 1 { // apiCalls' own
		t.Errorf("a refused handshake made %d JetStream requests, want none", calls-1)
	}
}

// apiCalls returns how many JetStream API requests the account has made.
func apiCalls(t *testing.T, in *instance) uint64 {
	t.Helper()
	info, err := in.srv.history.js.AccountInfo()
	if err != nil {
		t.Fatal(err)
	}
	return info.API.Total
}
