package rooms

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/progtest"
	"github.com/gorilla/websocket"
)

// Members of a room hear each other across instances, with the same seq on
// every instance; members of another room hear nothing of it.
func TestRoomsAreSeparate(t *testing.T) {
	ns := startJetStream(t)
	a, b := startInstance(t, ns, generous), startInstance(t, ns, generous)

	other := member(t, a, "other", "kitchen")
	first := member(t, a, "first", "lobby")
	second := member(t, b, "second", "lobby")
	joined := first.Next()
	if joined.Type != "client:connected" || joined.Room != "lobby" || joined.Seq == 0 {
		t.Fatalf("first heard %+v, want the second's client:connected in lobby, with a seq", joined)
	}

	say(first, "hello lobby")
	got := second.Next()
	if got.Type != "broadcast" || got.Payload != "hello lobby" || got.Room != "lobby" || got.Seq <= joined.Seq {
		t.Fatalf("second heard %+v, want the broadcast in lobby with a seq above %d", got, joined.Seq)
	}

	// A third member: its notice has one seq, whichever instance delivers it.
	member(t, b, "third", "lobby")
	onA, onB := first.Next(), second.Next()
	if onA != onB {
		t.Fatalf("instance A delivered %+v, instance B %+v: want the same event", onA, onB)
	}

	// The kitchen's next event is the one in the kitchen: nothing of the
	// lobby reached it before.
	member(t, b, "cook", "kitchen")
	if got := other.Next(); got.Room != "kitchen" || got.Type != "client:connected" {
		t.Fatalf("the kitchen's member heard %+v, want only the cook's arrival", got)
	}
}

// A client cut off in the middle of a stream of broadcasts (its TCP
// connection reset, no close frame) comes back on the other instance with
// the last seq it handled, and ends up with every broadcast exactly once,
// in order.
func TestResumeOnOtherInstanceAfterCutOff(t *testing.T) {
	const total, cutAfter = 600, 100
	ns := startJetStream(t)
	a, b := startInstance(t, ns, generous), startInstance(t, ns, generous)

	speaker := member(t, a, "speaker", "stream")
	pacer := pacer(t, b, "stream")
	speaker.Next() // the pacer's arrival
	listener, _ := join(t, a, "listener", "stream", "")
	speaker.Next() // the listener's arrival

	// The speaker says 1, 2, … on its own goroutine, each once the pacer has
	// heard the one before: as fast as the cluster delivers, never faster,
	// so no queue overflows on a slow machine, and the resume below happens
	// while the broadcasts go on.
	failed := make(chan error, 1)
	go func() {
		defer close(failed)
		for i := 1; i <= total; i++ {
			msg := map[string]string{"type": "broadcast", "payload": fmt.Sprint(i)}
			if err := speaker.Conn.WriteJSON(msg); err != nil {
				failed <- err
				return
			}
			if err := hear(pacer, fmt.Sprint(i)); err != nil {
				failed <- err
				return
			}
		}
	}()
	t.Cleanup(func() {
		if err := <-failed; err != nil {
			t.Errorf("speaker: %v", err)
		}
	})

	var heard []string
	var last uint64 // the seq of the last event the listener handled
	for len(heard) < cutAfter {
		e := listener.Next()
		if e.Type == "broadcast" {
			heard = append(heard, e.Payload)
		}
		last = e.Seq
	}
	cutOff(t, listener)

	resumed, replay := join(t, b, "resumed", "stream", fmt.Sprintf("?since=%d", last))
	for len(heard) < total {
		var e Event
		if len(replay) > 0 {
			e, replay = replay[0], replay[1:]
		} else {
			e = resumed.Next()
		}
		if e.Seq <= last {
			t.Fatalf("after seq %d came %+v: seqs must increase", last, e)
		}
		last = e.Seq
		if e.Type == "broadcast" {
			heard = append(heard, e.Payload)
		}
	}
	for i, text := range heard {
		if text != fmt.Sprint(i+1) {
			t.Fatalf("broadcast %d was %q: want every broadcast once, in order; heard %v", i+1, text, heard)
		}
	}
}

// pacer joins room on in with a bare connection, read by whoever calls hear.
func pacer(t *testing.T, in *instance, room string) *websocket.Conn {
	t.Helper()
	conn := progtest.Connect(t, fmt.Sprintf("%s/rooms/%s", in.url, room))
	if err := hear(conn, ""); err != nil {
		t.Fatal(err)
	}
	return conn
}

// hear reads conn until the broadcast text arrives, or room:joined if text
// is empty.
func hear(conn *websocket.Conn, text string) error {
	_ = conn.SetReadDeadline(time.Now().Add(progtest.WaitLimit))
	for {
		var e Event
		if err := conn.ReadJSON(&e); err != nil {
			return fmt.Errorf("waiting for %q: %w", text, err)
		}
		if text == "" && e.Type == TypeJoined || e.Type == "broadcast" && e.Payload == text {
			return nil
		}
	}
}

// cutOff resets r's TCP connection: with linger 0, closing sends RST
// instead of FIN, as when a network path dies or a process is killed.
func cutOff(t *testing.T, r *progtest.Recorder[Event]) {
	t.Helper()
	tcp, ok := r.Conn.NetConn().(*net.TCPConn)
	if !ok {
		t.Fatalf("%s: not a TCP connection", r.Name)
	}
	if err := tcp.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	tcp.Close()
}

// A client that resumes from an event the history no longer holds is told
// so before the events that are left; one whose seq is still held is not.
func TestTruncatedHistory(t *testing.T) {
	const kept = 5
	ns := startJetStream(t)
	a := startInstance(t, ns, Limits{PerRoom: kept, MaxAge: generous.MaxAge})

	speaker := member(t, a, "speaker", "small")
	listener := member(t, a, "listener", "small")
	speaker.Next()
	var seqs []uint64
	for i := 1; i <= 10; i++ {
		say(speaker, fmt.Sprint(i))
		seqs = append(seqs, listener.Next().Seq)
	}

	_, replay := join(t, a, "late", "small", fmt.Sprintf("?since=%d", seqs[0]))
	// The room keeps its last five events: 7 to 10, and the late client's
	// own arrival, which is stored before the replay and not sent to it.
	want := []string{TypeTruncated, "7", "8", "9", "10"}
	if got := payloads(replay); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("late heard %v, want %v", got, want)
	}

	_, replay = join(t, a, "recent", "small", fmt.Sprintf("?since=%d", seqs[7]))
	// 9 and 10, then the late client's arrival; no truncation.
	if got, want := fmt.Sprint(payloads(replay)), "[9 10 client:connected]"; got != want {
		t.Fatalf("recent heard %v, want %v", got, want)
	}
}

// payloads lists a replay's broadcasts by payload, and other events by type.
func payloads(events []Event) []string {
	var list []string
	for _, e := range events {
		if e.Type == "broadcast" {
			list = append(list, e.Payload)
		} else {
			list = append(list, e.Type)
		}
	}
	return list
}

// An instance follows a room only while it has members in it: a room
// without members here costs no subscription and no consumer.
func TestEmptyRoomCostsNoSubscription(t *testing.T) {
	ns := startJetStream(t)
	a, b := startInstance(t, ns, generous), startInstance(t, ns, generous)
	if n := consumers(t, ns); n != 0 {
		t.Fatalf("%d consumers before anyone joined, want 0", n)
	}

	first := member(t, a, "first", "quiet")
	if n := consumers(t, ns); n != 1 || a.srv.Following() != 1 || b.srv.Following() != 0 {
		t.Fatalf("with one member on A: %d consumers, A follows %d rooms, B %d; want 1, 1, 0",
			n, a.srv.Following(), b.srv.Following())
	}
	second := member(t, b, "second", "quiet")
	if n := consumers(t, ns); n != 2 {
		t.Fatalf("with a member on each instance: %d consumers, want 2", n)
	}

	first.Close()
	second.Close()
	progtest.WaitUntil(t, "no instance follows the empty room", func() bool {
		return a.srv.Following() == 0 && b.srv.Following() == 0 && consumers(t, ns) == 0
	})
}

// A bad room name or since is refused with 400 before the upgrade.
func TestBadRequestsRefusedBeforeUpgrade(t *testing.T) {
	ns := startJetStream(t)
	a := startInstance(t, ns, generous)
	for _, path := range []string{
		"/rooms/" + strings.Repeat("x", MaxNameLength+1),
		"/rooms/a.b", "/rooms/a*", "/rooms/a%20b", "/rooms/caf%C3%A9",
		"/rooms/ok?since=x", "/rooms/ok?since=-1", "/rooms/ok?since=1&since=2",
	} {
		_, err := progtest.Dial[Event](t, path, a.url+path, nil)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", http.StatusBadRequest)) {
			t.Errorf("%s: %v, want HTTP 400", path, err)
		}
	}
	join(t, a, "longest", strings.Repeat("x", MaxNameLength), "?since=0")
}
