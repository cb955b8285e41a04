package rooms

import (
	"fmt"
	"sync"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"github.com/nats-io/nats.go"
)

// Room is one room as this instance sees it: the members connected here,
// and the subscription that brings the room's events from JetStream. It
// exists only while it has members here (see Server.enter and Server.exit).
type Room struct {
	name  string
	srv   *Server
	sub   *nats.Subscription // the room's events, in seq order
	users int                // members and joins in progress; guarded by srv.mu

	mu      sync.Mutex
	last    uint64 // the seq of the last event handed to the members
	members map[int]*Client
}

// deliver hands one event of the room to every member here but its sender.
// Events arrive in seq order; one at or below last has been delivered
// already and is dropped, so a member never gets an event twice.
func (r *Room) deliver(ev *stored) {
	data := ev.encode(r.name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.seq <= r.last {
		return
	}
	r.last = ev.seq
	for id, c := range r.members {
		if id == ev.from || ev.seq <= c.after {
			continue
		}
		if !c.queue(data) {
			r.srv.drops.Printf("Client %d is too slow to keep up; disconnecting it", id)
			r.removeLocked(c, room.CloseTooSlow, "too slow")
		}
	}
}

// admit makes c a member; joined is the seq of its arrival's notice. The
// client is owed every event of the room after since if it resumes, after
// its own arrival if it is new; its write pump replays them from the
// history (Client.replay) up to end, the later of its arrival and the last
// event delivered here, then room:joined with end, then the live events
// after end. Live events are delivered under the same lock, so none falls
// between the replay and the live ones, and none comes twice.
func (r *Room) admit(c *Client, joined, since uint64, resume bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv.closed.Load() {
		return ErrClosed // Close has swept, or is about to sweep, this room
	}
	end := max(r.last, joined)
	if !resume {
		since = joined // events after its arrival may have been delivered here already
	}
	c.since, c.after, c.resumed = since, end, resume
	c.queue(encode(Event{Type: TypeJoined, Payload: fmt.Sprintf("You are Client %d", c.id), Room: r.name, Seq: end}))
	r.members[c.id] = c
	return nil
}

// broadcast stores a member's message in the room's history; every instance
// with members in the room then delivers it.
func (r *Room) broadcast(from int, m room.Message) {
	if _, err := r.srv.history.Append(r.name, from, m); err != nil {
		r.srv.failures.Printf("Client %d: broadcast lost: %v", from, err)
		return
	}
	if !r.srv.opts.Quiet { // once stored: the line says the room will hear it
		r.srv.log.Printf("Client %d broadcast in %s: %s", from, r.name, room.ForLog(m.Payload))
	}
}

// leave is called once by a member's read pump when its connection ends.
func (r *Room) leave(c *Client, why string) {
	r.remove(c, 0, "")
	if _, err := r.srv.history.Append(r.name, c.id, room.Disconnected(c.id)); err != nil {
		r.srv.failures.Printf("Client %d: goodbye notice lost: %v", c.id, err)
	}
	if !r.srv.opts.Quiet { // after the notice is stored: the line says the others will hear of it
		r.srv.log.Printf("Client %d left room %s%s", c.id, r.name, why)
	}
	r.srv.exit(r)
	r.srv.release()
}

func (r *Room) remove(c *Client, code int, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked(c, code, text)
}

// removeLocked takes c out of the members, once, and tells its write pump
// to end with a close frame of code (none if 0).
func (r *Room) removeLocked(c *Client, code int, text string) {
	if r.members[c.id] != c {
		return
	}
	delete(r.members, c.id)
	if code != 0 {
		_ = c.conn.NetConn().SetWriteDeadline(time.Now().Add(closeGrace))
	}
	c.closeCode, c.closeText = code, text
	close(c.done)
}
