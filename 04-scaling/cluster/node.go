package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"example.com/wstutorial/02-stateful/room"
)

// Presence timings and other bounds.
const (
	// DefaultHeartbeat is how often an instance tells the others which
	// clients it has. Shorter notices a dead instance sooner, at the cost
	// of more messages: each instance sends one per period.
	DefaultHeartbeat = time.Second

	// MissedBeats is how many heartbeats in a row an instance may miss
	// before the others presume it dead. One late beat can be a hiccup (a
	// busy machine, a garbage-collection pause); three in a row is not.
	// Silence is checked once per heartbeat, so a dead instance's clients
	// are announced gone between MissedBeats and MissedBeats+1 heartbeats
	// after its last one.
	MissedBeats = 3

	// idTimeout bounds taking an id for a new client. Past it, the client
	// is turned away with close code 1013 (try again later). Within it,
	// each attempt gets idAttempt: on a NATS cluster that has just lost the
	// server holding the counter, a request may go unanswered until the
	// others have elected a new holder, which a later attempt finds.
	idTimeout = 5 * time.Second
	idAttempt = time.Second

	// restoreTimeout bounds one attempt to check the id counter after
	// connecting; a failed attempt is retried every retryWait. Short for
	// the same reason as idAttempt.
	restoreTimeout = time.Second
	retryWait      = 500 * time.Millisecond

	// leaveTimeout bounds how long a shutting-down instance waits for the
	// broker to take its goodbye: shutdown must stay within about a second.
	leaveTimeout = 500 * time.Millisecond

	// nobody is the sender of the notices presence makes up (a dead
	// instance's clients leaving): no client has id 0, so every local
	// client gets them.
	nobody = 0
)

// ErrUnavailable is why a client is turned away while the broker cannot be
// reached. It is short because it travels in a close frame, which holds at
// most 123 bytes of text.
var ErrUnavailable = errors.New("cluster unreachable, try again later")

// Local is the room of this instance's own clients; *room.Room is one.
type Local interface {
	Deliver(from int, m room.Message)
}

// Node is one server instance's membership in the cluster. Its NextID and
// Publish methods make it the room's relay (room.NewRelayed): the room
// takes ids from it and hands it every event, instead of using its own
// counter and delivering locally.
type Node struct {
	id        string
	log       *log.Logger
	heartbeat time.Duration
	nc        *nats.Conn // set by Start
	ids       *Counter   // set by Start
	local     Local      // set by Start

	// settled is the number of the connection on which this instance has
	// checked the id counter (see connection), or 0 while it has not. No
	// id is given out unless it is the current connection: the counter is
	// then known to be past every id in use (see settle).
	settled atomic.Uint64

	// pubMu orders this instance's publications: a heartbeat lists exactly
	// the clients whose joins were published before it and whose leaves
	// were not. Without that, a heartbeat could overtake a leave and bring
	// a departed client back in the others' eyes.
	pubMu   sync.Mutex
	clients map[int]bool // ids of this instance's clients

	// viewMu serialises everything this instance's clients are told about
	// the other instances: events, heartbeat repairs and expiries.
	viewMu sync.Mutex
	roster *roster

	dropping atomic.Bool // logged that events cannot be published, this outage

	// stopMu guards leaving and the start of background work, so that
	// Leave waits for all of it.
	stopMu     sync.Mutex
	leaving    bool           // shutting down: losing the broker is expected
	background sync.WaitGroup // the heartbeat loop and every settle
	quit       chan struct{}  // closed by Leave to stop background work

	sub       *nats.Subscription
	leaveOnce sync.Once
}

// NewNode prepares this instance's membership. heartbeat is how often it
// sends its presence; 0 means DefaultHeartbeat. Until Start, it gives out no
// ids.
func NewNode(logger *log.Logger, heartbeat time.Duration) *Node {
	if heartbeat <= 0 {
		heartbeat = DefaultHeartbeat
	}
	return &Node{
		// A random name, only to tell instances apart in messages and
		// logs; 32 bits make a clash between a few instances unlikely.
		id:        fmt.Sprintf("%08x", rand.Uint32()),
		log:       logger,
		heartbeat: heartbeat,
		clients:   make(map[int]bool),
		roster:    newRoster(logger, MissedBeats*heartbeat),
		quit:      make(chan struct{}),
	}
}

// Start joins the cluster over the NATS connection nc: it subscribes to the
// other instances' events and presence, delivering them to local, starts
// sending heartbeats, and checks the id counter in the background. Clients
// are turned away until that check is done.
func (n *Node) Start(nc *nats.Conn, local Local) error {
	counter, err := NewCounter(nc)
	if err != nil {
		return err
	}
	n.nc, n.ids, n.local = nc, counter, local
	n.log.Printf("Joining the cluster as instance %s: heartbeat every %s; an instance silent for %s is presumed dead",
		n.id, n.heartbeat, MissedBeats*n.heartbeat)
	sub, err := nc.Subscribe(allSubjects, n.receive)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", allSubjects, err)
	}
	// Flush waits until the broker has the subscription, so that no event
	// sent after Start returns can be missed.
	if err := nc.FlushTimeout(restoreTimeout); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("subscribe to %s: %w", allSubjects, err)
	}
	nc.SetDisconnectErrHandler(n.disconnected)
	nc.SetReconnectHandler(n.reconnected)
	nc.SetErrorHandler(n.asyncError)

	_ = n.beat(beat{Hello: true}) // be known at once, not one period from now
	n.stopMu.Lock()
	defer n.stopMu.Unlock()
	if n.leaving {
		_ = sub.Unsubscribe()
		return errors.New("left the cluster before joining it")
	}
	n.sub = sub // from now on, Leave has background work to stop
	n.background.Go(n.beatLoop)
	n.background.Go(func() { n.settle(n.connection()) })
	return nil
}

// connection numbers this instance's connections to the broker: 1 for the
// first, 2 after the first reconnection, and so on.
func (n *Node) connection() uint64 { return n.nc.Stats().Reconnects + 1 }

// settleTime is how long an instance that finds no counter waits before it
// creates one: long enough for every instance that was connected to the old
// broker to reconnect to the new one, which takes one or two attempts,
// reconnectWait apart. Each instance sends a heartbeat as soon as it is
// connected, with the highest id it knows (beat.Last).
const settleTime = 6 * reconnectWait

// settle checks the id counter on connection conn, and then lets this
// instance give out ids on it.
//
// An id is given out only when the counter is known to be past every id in
// use. If the counter exists, every instance that connected since it was
// created has put it past the ids it knows before giving any out (this very
// step), so raising it to our own floor is enough. If it does not exist,
// the broker is new or lost its data, and only the instances know which ids
// their clients hold: every instance then waits settleTime, hearing the
// heartbeat each of the others sends when it connects, before the counter is
// created above every id heard.
func (n *Node) settle(conn uint64) {
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
		last, err := n.ids.Restore(ctx, false)
		cancel()
		if errors.Is(err, ErrNoCounter) {
			n.log.Printf("The id counter is missing (a new or restarted broker): waiting %s to hear of every id in use", settleTime)
			if !n.pause(settleTime) {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
			last, err = n.ids.Restore(ctx, true)
			cancel()
		}
		if n.connection() != conn {
			return // reconnected meanwhile: a newer settle runs for the new connection
		}
		if err == nil {
			n.settled.Store(conn)
			n.log.Printf("Admitting clients: new ids continue after %d", last)
			return
		}
		if attempt == 1 {
			n.log.Printf("NATS: cannot check the id counter yet (%v); retrying", err)
		}
		if !n.pause(retryWait) {
			return
		}
	}
}

// pause waits for d and reports whether the node is still running.
func (n *Node) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.quit:
		return false
	}
}

// NextID takes a client id from the cluster-wide counter. While the broker
// cannot be reached there is no safe id to give, so the client is turned
// away (the room closes it with 1013, try again later).
func (n *Node) NextID() (int, error) {
	settled := n.settled.Load() // once set, n.nc and n.ids are too
	if settled == 0 || !n.nc.IsConnected() || n.connection() != settled {
		n.log.Print("Turned a client away: no ids until this instance has checked the id counter on its connection to NATS")
		return 0, ErrUnavailable
	}
	deadline := time.Now().Add(idTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), min(idAttempt, time.Until(deadline)))
		id, err := n.ids.Next(ctx)
		cancel()
		if err == nil {
			return id, nil
		}
		// A missing counter is not a delay: settle, after the next
		// reconnection, deals with it.
		if errors.Is(err, ErrNoCounter) || time.Until(deadline) < retryWait || !n.nc.IsConnected() {
			n.log.Printf("Turned a client away: %v", err)
			return 0, ErrUnavailable
		}
		time.Sleep(retryWait / 5) // a short pause between attempts, not a wait for an event
	}
}

// Publish is what the room calls when one of this instance's clients joins,
// broadcasts or leaves. It delivers the event to this instance's other
// clients at once, whether or not the broker is reachable, then publishes it
// for the other instances.
func (n *Node) Publish(from int, m room.Message) {
	n.local.Deliver(from, m)
	data, err := json.Marshal(event{Instance: n.id, From: from, Message: m})
	if err != nil {
		n.log.Printf("Cannot encode %v: %v", m, err)
		return
	}

	n.pubMu.Lock()
	switch m.Type {
	case room.TypeConnected:
		n.clients[from] = true
	case room.TypeDisconnected:
		delete(n.clients, from)
	}
	err = n.nc.Publish(eventSubject, data)
	n.pubMu.Unlock()

	// Once per outage is enough to say so.
	if err != nil && n.dropping.CompareAndSwap(false, true) {
		n.log.Printf("NATS: cannot publish (%v); the other instances miss this instance's events until it is back", err)
	}
}

// receive handles what the other instances publish. nats.go calls it from a
// single goroutine, in the order the broker delivered the messages.
func (n *Node) receive(msg *nats.Msg) {
	now := time.Now()
	switch msg.Subject {
	case eventSubject:
		var e event
		if err := json.Unmarshal(msg.Data, &e); err != nil || !known(e.Message.Type) {
			n.log.Printf("NATS: ignored a malformed event: %q", msg.Data)
			return
		}
		if e.Instance == n.id {
			return // our own (only if the connection echoes)
		}
		n.ids.See(e.From)
		n.viewMu.Lock()
		defer n.viewMu.Unlock()
		if n.roster.event(e.Instance, e, now) {
			n.local.Deliver(e.From, e.Message)
		}
	case presenceSubject:
		var b beat
		if err := json.Unmarshal(msg.Data, &b); err != nil {
			n.log.Printf("NATS: ignored a malformed heartbeat: %q", msg.Data)
			return
		}
		if b.Instance == n.id {
			return
		}
		n.ids.See(b.Last)
		for _, id := range b.Clients {
			n.ids.See(id)
		}
		n.viewMu.Lock()
		defer n.viewMu.Unlock()
		switch {
		case b.Hello:
			n.deliver(n.roster.hello(b.Instance, b.Clients, now))
		case b.Bye:
			n.deliver(n.roster.goodbye(b.Instance))
		default:
			n.deliver(n.roster.heartbeat(b.Instance, b.Clients, now))
		}
	}
}

func known(typ string) bool {
	return typ == room.TypeConnected || typ == room.TypeBroadcast || typ == room.TypeDisconnected
}

// deliver hands presence notices to every local client. viewMu must be held.
func (n *Node) deliver(notices []room.Message) {
	for _, m := range notices {
		n.local.Deliver(nobody, m)
	}
}

// beatLoop sends a heartbeat every period and, on the same tick, looks for
// instances that have fallen silent.
func (n *Node) beatLoop() {
	tick := time.NewTicker(n.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-n.quit:
			return
		case now := <-tick.C:
			_ = n.beat(beat{}) // fails only while disconnected, which is logged
			n.viewMu.Lock()
			n.deliver(n.roster.expire(now))
			n.viewMu.Unlock()
		}
	}
}

// beat publishes this instance's heartbeat b, with the ids of its clients
// and the highest id it knows of.
func (n *Node) beat(b beat) error {
	n.pubMu.Lock()
	defer n.pubMu.Unlock()
	b.Instance, b.Clients, b.Last = n.id, sortedIDs(n.clients), n.ids.Floor()
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return n.nc.Publish(presenceSubject, data)
}

// Leave says goodbye: the other instances forget this one at once instead of
// waiting for its heartbeats to stop. Call it after the room has closed, so
// that every client's departure has been published first. It is safe to
// call more than once, and without Start.
func (n *Node) Leave() {
	n.leaveOnce.Do(func() {
		n.stopMu.Lock()
		n.leaving = true
		n.stopMu.Unlock()
		close(n.quit)
		n.background.Wait()
		if n.sub == nil {
			return // never started
		}
		err := n.beat(beat{Bye: true})
		if err == nil {
			err = n.nc.FlushTimeout(leaveTimeout)
		}
		if err != nil {
			n.log.Printf("NATS: could not say goodbye (%v); the others will notice this instance's silence instead", err)
		}
		_ = n.sub.Unsubscribe()
	})
}

// isLeaving reports whether Leave has been called.
func (n *Node) isLeaving() bool {
	n.stopMu.Lock()
	defer n.stopMu.Unlock()
	return n.leaving
}

// disconnected is called by nats.go when the connection to the broker is lost.
func (n *Node) disconnected(_ *nats.Conn, err error) {
	if n.isLeaving() {
		return
	}
	if err == nil {
		err = errors.New("connection closed")
	}
	n.log.Printf("NATS: lost the connection to the broker (%v); serving this instance's clients only, turning new ones away, reconnecting", err)
}

// reconnected is called by nats.go when it has reached a broker again. The
// subscription is renewed by nats.go itself; we tell the others at once that
// we are back, and check the id counter before giving out ids again.
func (n *Node) reconnected(nc *nats.Conn) {
	n.dropping.Store(false)
	n.log.Printf("NATS: reconnected to %s", nc.ConnectedUrlRedacted())
	_ = n.beat(beat{})
	conn := n.connection()
	n.stopMu.Lock()
	defer n.stopMu.Unlock()
	if !n.leaving {
		// Not on nats.go's callback goroutine: settling takes a while.
		n.background.Go(func() { n.settle(conn) })
	}
}

// asyncError reports problems nats.go finds outside any call of ours, such as
// messages dropped because we could not keep up (a slow consumer).
func (n *Node) asyncError(_ *nats.Conn, _ *nats.Subscription, err error) {
	n.log.Printf("NATS: %v", err)
}
