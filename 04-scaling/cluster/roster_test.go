package cluster

import (
	"io"
	"log"
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/02-stateful/room"
)

// The roster is tested on its own, with a made-up clock: each case is a
// sequence of what arrives from other instances, and what this instance's
// clients must be told.

const testExpiry = 3 * time.Second

var t0 = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

func at(seconds float64) time.Time {
	return t0.Add(time.Duration(seconds * float64(time.Second)))
}

func newTestRoster() *roster { return newRoster(log.New(io.Discard, "", 0), testExpiry) }

func joined(id int) event { return event{From: id, Message: room.Connected(id)} }
func left(id int) event   { return event{From: id, Message: room.Disconnected(id)} }
func said(id int, text string) event {
	return event{From: id, Message: room.Message{Type: room.TypeBroadcast, Payload: text}}
}

func wantNotices(t *testing.T, step string, got, want []room.Message) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: notices\n got %v\nwant %v", step, got, want)
	}
}

func wantDelivered(t *testing.T, step string, got, want bool) {
	t.Helper()
	if got != want {
		t.Errorf("%s: delivered = %v, want %v", step, got, want)
	}
}

func TestRosterEventsAreDeliveredOnce(t *testing.T) {
	r := newTestRoster()
	wantDelivered(t, "join", r.event("B", joined(2), at(0)), true)
	wantDelivered(t, "broadcast", r.event("B", said(2, "Hello"), at(0.1)), true)
	wantDelivered(t, "leave", r.event("B", left(2), at(0.2)), true)
	// A heartbeat that agrees with the events adds nothing.
	wantNotices(t, "heartbeat", r.heartbeat("B", nil, at(1)), nil)
}

func TestRosterFirstHeartbeatIsSilent(t *testing.T) {
	// We join a cluster where B already has clients 1 and 2. Our clients
	// came after them, so, as in lesson 2, they are not told about them...
	r := newTestRoster()
	wantNotices(t, "first heartbeat", r.heartbeat("B", []int{1, 2}, at(0)), nil)
	// ...but they are told when those leave.
	wantDelivered(t, "leave of an earlier client", r.event("B", left(1), at(0.5)), true)
}

func TestRosterLeaveOfAClientNeverSeen(t *testing.T) {
	// B's client 1 was there before we started; we hear of its leave before
	// B's first heartbeat. Lesson 2 tells everyone of every leave.
	r := newTestRoster()
	wantDelivered(t, "join of 2", r.event("B", joined(2), at(0)), true)
	wantDelivered(t, "leave of 1", r.event("B", left(1), at(0.1)), true)
	wantNotices(t, "heartbeat", r.heartbeat("B", []int{2}, at(1)), nil)
}

func TestRosterHeartbeatRepairsLostEvents(t *testing.T) {
	r := newTestRoster()
	r.heartbeat("B", []int{1, 2}, at(0))
	// The join of 3 and the leave of 1 were lost on the way.
	wantNotices(t, "heartbeat", r.heartbeat("B", []int{2, 3}, at(1)),
		[]room.Message{room.Connected(3), room.Disconnected(1)})
	// A join that a heartbeat already announced is not announced twice.
	wantDelivered(t, "late join of 3", r.event("B", joined(3), at(1.1)), false)
}

func TestRosterSilentInstanceExpires(t *testing.T) {
	r := newTestRoster()
	r.heartbeat("B", []int{1, 2}, at(0))
	r.event("B", joined(3), at(0.5))
	wantNotices(t, "before expiry", r.expire(at(3.4)), nil)
	wantNotices(t, "at expiry", r.expire(at(3.5)),
		[]room.Message{room.Disconnected(1), room.Disconnected(2), room.Disconnected(3)})
	wantNotices(t, "once only", r.expire(at(4.5)), nil)
}

func TestRosterInstanceComesBack(t *testing.T) {
	r := newTestRoster()
	r.heartbeat("B", []int{1, 2, 3}, at(0))
	r.expire(at(3)) // 1, 2 and 3 announced gone

	// B was only cut off from the broker. While it was, 3 left, and the
	// leave was lost; 2 leaves just after B is back, before its heartbeat.
	wantDelivered(t, "leave of 2, already announced", r.event("B", left(2), at(5)), false)
	wantNotices(t, "heartbeat", r.heartbeat("B", []int{1}, at(5.5)),
		[]room.Message{room.Connected(1)})
	// From now on, B's events count again.
	wantDelivered(t, "leave of 1", r.event("B", left(1), at(6)), true)
}

func TestRosterExpiredInstanceWithoutHeartbeatComesBack(t *testing.T) {
	// We only ever heard of B's client 4 through its join event.
	r := newTestRoster()
	r.event("B", joined(4), at(0))
	wantNotices(t, "expiry", r.expire(at(3)), []room.Message{room.Disconnected(4)})
	wantNotices(t, "back", r.heartbeat("B", []int{4}, at(4)), []room.Message{room.Connected(4)})
}

func TestRosterGoodbye(t *testing.T) {
	r := newTestRoster()
	r.heartbeat("B", []int{1, 2}, at(0))
	wantDelivered(t, "leave of 1", r.event("B", left(1), at(0.5)), true)
	// Client 2's leave was lost: the goodbye covers it.
	wantNotices(t, "goodbye", r.goodbye("B"), []room.Message{room.Disconnected(2)})
	wantNotices(t, "no expiry after a goodbye", r.expire(at(10)), nil)
}

func TestRosterForgetsLongSilentInstances(t *testing.T) {
	r := newTestRoster()
	r.heartbeat("B", []int{1}, at(0))
	r.expire(at(3))
	r.expire(at(3).Add(forgetAfter))
	if len(r.peers) != 0 {
		t.Errorf("peers = %v, want B forgotten", r.peers)
	}
}

func TestRosterKeepsInstancesApart(t *testing.T) {
	r := newTestRoster()
	r.heartbeat("B", []int{1}, at(0))
	r.heartbeat("C", []int{2}, at(0))
	r.heartbeat("C", []int{2}, at(2))
	wantNotices(t, "only B expires", r.expire(at(3)), []room.Message{room.Disconnected(1)})
}

func TestRosterHello(t *testing.T) {
	var out strings.Builder
	r := newRoster(log.New(&out, "", 0), testExpiry)
	// A new instance's hello, like any first heartbeat, announces nobody.
	wantNotices(t, "hello", r.hello("B", nil, at(0)), nil)
	if got, want := out.String(), "Instance B joined the cluster\n"; got != want {
		t.Errorf("log %q, want %q", got, want)
	}
	wantNotices(t, "later heartbeat", r.heartbeat("B", []int{5}, at(1)), []room.Message{room.Connected(5)})
}
