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
	// is turned away with close code 1013 (try again later).
	idTimeout = 5 * time.Second

	// restoreTimeout bounds the check of the id counter after reconnecting.
	restoreTimeout = 5 * time.Second

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
	nc        *nats.Conn
	ids       *Counter
	log       *log.Logger
	heartbeat time.Duration
	local     Local

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
	leaving  atomic.Bool // shutting down: losing the broker is expected

	sub       *nats.Subscription
	quit      chan struct{} // closed to stop the heartbeat loop
	done      chan struct{} // closed when the heartbeat loop has stopped
	leaveOnce sync.Once
}

// NewNode prepares this instance's membership over the NATS connection nc.
// heartbeat is how often it sends its presence; 0 means DefaultHeartbeat.
func NewNode(nc *nats.Conn, logger *log.Logger, heartbeat time.Duration) (*Node, error) {
	if heartbeat <= 0 {
		heartbeat = DefaultHeartbeat
	}
	counter, err := NewCounter(nc)
	if err != nil {
		return nil, err
	}
	return &Node{
		// A random name, only to tell instances apart in messages and
		// logs; 32 bits make a clash between a few instances unlikely.
		id:        fmt.Sprintf("%08x", rand.Uint32()),
		nc:        nc,
		ids:       counter,
		log:       logger,
		heartbeat: heartbeat,
		clients:   make(map[int]bool),
		roster:    newRoster(logger, MissedBeats*heartbeat),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}, nil
}

// Start joins the cluster: it makes sure the id counter exists, subscribes to
// the other instances' events and presence, delivering them to local, and
// starts sending heartbeats. Call it before accepting clients.
func (n *Node) Start(local Local) error {
	n.local = local
	ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
	defer cancel()
	if _, err := n.ids.Restore(ctx); err != nil {
		return err
	}
	n.log.Printf("Joining the cluster as instance %s: heartbeat every %s; an instance silent for %s is presumed dead",
		n.id, n.heartbeat, MissedBeats*n.heartbeat)
	sub, err := n.nc.Subscribe(allSubjects, n.receive)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", allSubjects, err)
	}
	// Flush waits until the broker has the subscription, so that no event
	// sent after Start returns can be missed.
	if err := n.nc.FlushTimeout(restoreTimeout); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("subscribe to %s: %w", allSubjects, err)
	}
	n.sub = sub // from now on, Leave has a heartbeat loop to stop
	n.nc.SetDisconnectErrHandler(n.disconnected)
	n.nc.SetReconnectHandler(n.reconnected)
	n.nc.SetErrorHandler(n.asyncError)

	_ = n.beat(beat{Hello: true}) // be known at once, not one period from now
	go n.beatLoop()
	return nil
}

// NextID takes a client id from the cluster-wide counter. While the broker
// cannot be reached there is no safe id to give, so the client is turned
// away (the room closes it with 1013, try again later).
func (n *Node) NextID() (int, error) {
	if !n.nc.IsConnected() {
		n.log.Print("Turned a client away: no ids while NATS is unreachable")
		return 0, ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(context.Background(), idTimeout)
	defer cancel()
	id, err := n.ids.Next(ctx)
	if err != nil {
		n.log.Printf("Turned a client away: %v", err)
		return 0, ErrUnavailable
	}
	return id, nil
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
	defer close(n.done)
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

// beat publishes this instance's heartbeat b, with the ids of its clients.
func (n *Node) beat(b beat) error {
	n.pubMu.Lock()
	defer n.pubMu.Unlock()
	b.Instance, b.Clients = n.id, sortedIDs(n.clients)
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
		n.leaving.Store(true)
		if n.sub == nil {
			return // never started
		}
		close(n.quit)
		<-n.done
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

// disconnected is called by nats.go when the connection to the broker is lost.
func (n *Node) disconnected(_ *nats.Conn, err error) {
	if n.leaving.Load() {
		return
	}
	if err == nil {
		err = errors.New("connection closed")
	}
	n.log.Printf("NATS: lost the connection to the broker (%v); serving this instance's clients only, reconnecting", err)
}

// reconnected is called by nats.go when it has reached a broker again. The
// subscription is renewed by nats.go itself; we check the id counter and
// tell the others at once that we are back.
func (n *Node) reconnected(nc *nats.Conn) {
	n.dropping.Store(false)
	// Not on nats.go's callback goroutine: the check talks to the broker.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
		defer cancel()
		last, err := n.ids.Restore(ctx)
		if err != nil {
			n.log.Printf("NATS: reconnected to %s, but cannot check the id counter: %v", nc.ConnectedUrlRedacted(), err)
		} else {
			n.log.Printf("NATS: reconnected to %s; new ids continue after %d", nc.ConnectedUrlRedacted(), last)
		}
		_ = n.beat(beat{})
	}()
}

// asyncError reports problems nats.go finds outside any call of ours, such as
// messages dropped because we could not keep up (a slow consumer).
func (n *Node) asyncError(_ *nats.Conn, _ *nats.Subscription, err error) {
	n.log.Printf("NATS: %v", err)
}
