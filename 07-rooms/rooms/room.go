package rooms

import (
	"fmt"
	"sync"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"github.com/gorilla/websocket"
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
	data, err := encode(Event{Type: ev.msg.Type, Payload: ev.msg.Payload, Room: r.name, Seq: ev.seq})
	if err != nil {
		return
	}
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
			r.srv.log.Printf("Client %d is too slow to keep up; disconnecting it", id)
			r.removeLocked(c, room.CloseTooSlow, "too slow")
		}
	}
}

// admit makes conn a member under id; joined is the seq of its arrival's
// notice. A resuming client first gets the stored events after since: read
// up to the last delivered seq without the lock (deliveries go on
// meanwhile), then, under the lock, up to its arrival or the last delivered
// seq, whichever is later. The client joins the members in that same
// critical section and skips live events up to there, so the first live
// event it gets is the one after its replay: no gap, no duplicate.
func (r *Room) admit(conn *websocket.Conn, id int, joined, since uint64, resume bool) (*Client, error) {
	var replay [][]byte
	pos := since
	if resume {
		var err error
		if replay, err = r.truncation(since); err != nil {
			return nil, err
		}
		r.mu.Lock()
		upto := r.last
		r.mu.Unlock()
		if replay, pos, err = r.read(replay, pos, upto, id); err != nil {
			return nil, err
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	end := max(r.last, joined)
	if resume {
		var err error
		if replay, _, err = r.read(replay, pos, end, id); err != nil {
			return nil, err
		}
	}
	if r.srv.closed.Load() {
		return nil, ErrClosed // Close has swept, or is about to sweep, this room
	}
	welcome, err := encode(Event{Type: TypeJoined, Payload: fmt.Sprintf("You are Client %d", id), Room: r.name, Seq: end})
	if err != nil {
		return nil, err
	}
	replay = append(replay, welcome)
	c := newClient(r, id, conn, len(replay))
	c.after = end
	for _, data := range replay {
		c.queue(data) // never full: the queue was made long enough
	}
	r.members[id] = c
	return c, nil
}

// truncation returns the history:truncated event for a client resuming from
// since, if the room's history no longer holds since (since 0 asks for all
// there is, and is never truncated).
func (r *Room) truncation(since uint64) ([][]byte, error) {
	if since == 0 {
		return nil, nil
	}
	ok, err := r.srv.history.Reaches(r.name, since)
	if err != nil || ok {
		return nil, err
	}
	data, err := encode(Event{Type: TypeTruncated, Room: r.name,
		Payload: fmt.Sprintf("History no longer reaches back to seq %d: some events are lost", since)})
	return [][]byte{data}, err
}

// read appends the room's stored events with a seq in (pos, upto] to
// replay, but those client id sent itself, and returns the seq reached.
func (r *Room) read(replay [][]byte, pos, upto uint64, id int) ([][]byte, uint64, error) {
	for pos < upto {
		ev, err := r.srv.history.After(r.name, pos)
		if err != nil {
			return nil, 0, err
		}
		if ev == nil || ev.seq > upto {
			break // the rest comes live
		}
		pos = ev.seq
		if ev.from == id {
			continue
		}
		data, err := encode(Event{Type: ev.msg.Type, Payload: ev.msg.Payload, Room: r.name, Seq: ev.seq})
		if err != nil {
			return nil, 0, err
		}
		replay = append(replay, data)
	}
	return replay, max(pos, upto), nil
}

// broadcast stores a member's message in the room's history; every instance
// with members in the room then delivers it.
func (r *Room) broadcast(from int, m room.Message) {
	if _, err := r.srv.history.Append(r.name, from, m); err != nil {
		r.srv.log.Printf("Client %d: broadcast lost: %v", from, err)
		return
	}
	if !r.srv.quiet { // once stored: the line says the room will hear it
		r.srv.log.Printf("Client %d broadcast in %s: %s", from, r.name, room.ForLog(m.Payload))
	}
}

// leave is called once by a member's read pump when its connection ends.
func (r *Room) leave(c *Client, why string) {
	r.remove(c, 0, "")
	if _, err := r.srv.history.Append(r.name, c.id, room.Disconnected(c.id)); err != nil {
		r.srv.log.Printf("Client %d: goodbye notice lost: %v", c.id, err)
	}
	if !r.srv.quiet { // after the notice is stored: the line says the others will hear of it
		r.srv.log.Printf("Client %d left room %s%s", c.id, r.name, why)
	}
	r.srv.exit(r)
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
