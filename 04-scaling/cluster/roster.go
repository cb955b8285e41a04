package cluster

import (
	"fmt"
	"log"
	"maps"
	"slices"
	"strings"
	"time"

	"example.com/wstutorial/02-stateful/room"
)

// forgetAfter is how long we remember an instance that fell silent. If it
// comes back within that time (its link to the broker was only cut), we tell
// our clients that its clients are back. Forgetting it then bounds the
// memory that instances which really died leave behind.
const forgetAfter = 10 * time.Minute

// roster is one instance's view of who is connected to the other instances:
// presence. It decides which notices this instance's clients get when an
// event, a heartbeat or a goodbye arrives from another instance, or when one
// falls silent. It does no I/O and reads no clock, so that it can be tested
// on its own; the caller serialises calls to it.
//
// The rules keep what each client is told consistent: someone is announced
// gone only if they were present, and back only if they had been announced
// gone. They rely on NATS delivering one instance's messages in the order it
// published them.
type roster struct {
	log    *log.Logger
	expiry time.Duration // silence after which an instance is presumed dead
	peers  map[string]*peer
}

// peer is what we know of another instance.
type peer struct {
	clients  map[int]bool // its clients, as far as we know
	gone     map[int]bool // clients we announced gone when it fell silent, until its next heartbeat
	synced   bool         // clients is complete: we have had a heartbeat, or announced them all gone
	silent   bool         // it missed its heartbeats, and we announced its clients gone
	lastSeen time.Time
}

func newRoster(logger *log.Logger, expiry time.Duration) *roster {
	return &roster{log: logger, expiry: expiry, peers: make(map[string]*peer)}
}

// heard returns the peer inst, which has just been heard from.
func (r *roster) heard(inst string, now time.Time) *peer {
	p := r.peers[inst]
	if p == nil {
		p = &peer{clients: make(map[int]bool)}
		r.peers[inst] = p
	}
	if p.silent {
		p.silent = false
		r.log.Printf("Instance %s is reachable again", inst)
	}
	p.lastSeen = now
	return p
}

// event records a client's join, broadcast or leave on instance inst and
// reports whether this instance's clients should get it.
func (r *roster) event(inst string, e event, now time.Time) bool {
	p := r.heard(inst, now)
	switch e.Message.Type {
	case room.TypeConnected:
		if p.clients[e.From] {
			return false // a heartbeat already brought it in
		}
		p.clients[e.From] = true
		delete(p.gone, e.From)
	case room.TypeDisconnected:
		if p.gone[e.From] {
			delete(p.gone, e.From)
			return false // already announced when its instance fell silent
		}
		// Announced even if we never knew it: like in lesson 2, a client
		// hears every departure, also of clients that came before it.
		delete(p.clients, e.From)
	}
	return true
}

// heartbeat records the list of clients instance inst has just sent, and
// returns the notices to deliver: joins and leaves we had not heard of. On
// first contact it returns none, because our clients arrived after those
// (like in lesson 2, a client is not told about who was there before it).
func (r *roster) heartbeat(inst string, ids []int, now time.Time) []room.Message {
	p := r.heard(inst, now)
	listed := make(map[int]bool, len(ids))
	for _, id := range ids {
		listed[id] = true
	}
	var notices []room.Message
	if p.synced {
		for _, id := range sortedIDs(listed) {
			if !p.clients[id] {
				notices = append(notices, room.Connected(id)) // missed, or back
			}
		}
		for _, id := range sortedIDs(p.clients) {
			if !listed[id] {
				notices = append(notices, room.Disconnected(id)) // missed
			}
		}
	}
	p.clients, p.gone, p.synced = listed, nil, true
	return notices
}

// hello handles the first heartbeat of an instance that has just started.
func (r *roster) hello(inst string, ids []int, now time.Time) []room.Message {
	r.log.Printf("Instance %s joined the cluster", inst)
	return r.heartbeat(inst, ids, now)
}

// goodbye handles the last word of an instance that is shutting down: any
// of its clients still present are announced gone, and it is forgotten.
func (r *roster) goodbye(inst string) []room.Message {
	p := r.peers[inst]
	if p == nil {
		return nil
	}
	delete(r.peers, inst)
	r.log.Printf("Instance %s left the cluster", inst)
	var notices []room.Message
	for _, id := range sortedIDs(p.clients) {
		notices = append(notices, room.Disconnected(id))
	}
	return notices
}

// expire presumes dead every instance not heard from for r.expiry, and
// returns the departures of their clients.
func (r *roster) expire(now time.Time) []room.Message {
	var notices []room.Message
	for _, inst := range sortedKeys(r.peers) {
		p := r.peers[inst]
		quiet := now.Sub(p.lastSeen)
		if p.silent {
			if quiet >= forgetAfter {
				delete(r.peers, inst)
			}
			continue
		}
		if quiet < r.expiry {
			continue
		}
		ids := sortedIDs(p.clients)
		r.log.Printf("Instance %s has been silent for %s; its clients are presumed gone: %s",
			inst, quiet.Round(time.Millisecond), describeIDs(ids))
		for _, id := range ids {
			notices = append(notices, room.Disconnected(id))
		}
		p.gone, p.clients = p.clients, make(map[int]bool)
		p.silent, p.synced = true, true
	}
	return notices
}

// sortedIDs returns the ids in set in order, so that notices and logs come
// out the same way every time.
func sortedIDs(set map[int]bool) []int { return slices.Sorted(maps.Keys(set)) }

func sortedKeys(m map[string]*peer) []string { return slices.Sorted(maps.Keys(m)) }

// describeIDs turns [4 7] into "4, 7" for the log.
func describeIDs(ids []int) string {
	if len(ids) == 0 {
		return "none"
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ", ")
}
