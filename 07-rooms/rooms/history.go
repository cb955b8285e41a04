package rooms

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"example.com/wstutorial/02-stateful/room"
	"github.com/nats-io/nats.go"
)

// The JetStream names this lesson uses.
const (
	// StreamName is the stream that holds every room's history, one subject
	// per room (rooms.NAME). Its sequence numbers are the events' seq.
	StreamName    = "ROOMS"
	subjectPrefix = "rooms."

	// idStream hands out client ids: each publish to it is acknowledged with
	// the next sequence number, unique across every instance. It keeps one
	// message only; the sequence goes on counting anyway.
	idStream  = "ROOM_IDS"
	idSubject = "room-ids"

	// fromHeader carries the id of an event's sender, so that the sender is
	// not sent its own broadcast. It stays inside the cluster.
	fromHeader = "Room-From"

	// maxConsumers bounds the rooms followed at once, over all instances.
	maxConsumers = 1_000_000
)

// Limits bound the history, and say where it is kept. What falls out is
// gone for good: a client that comes back later than that is told its
// history is truncated. A zero MaxBytes, MaxMessage or Replicas means the
// default.
type Limits struct {
	PerRoom  int64         // events kept per room
	MaxAge   time.Duration // how long an event is kept
	MaxBytes int64         // bytes kept, all rooms together; the oldest events go first

	// MaxMessage bounds a client's message, in bytes. A stored event is at
	// most twice as long (see storedSize), and the stream refuses longer ones.
	MaxMessage int

	Storage  nats.StorageType // memory or file (the zero value, as in nats.go); the server's -storage says memory
	Replicas int              // copies of each stream, on a NATS cluster
}

// The defaults of Limits. A chat message rarely needs more than a few
// hundred bytes; 8 KB leaves room for long ones. 256 MB holds 2.5 million
// events of 100 bytes, or 16 rooms full of the longest messages.
const (
	DefaultMaxMessage = 8 << 10
	DefaultMaxBytes   = 256 << 20
)

// storedSize bounds the stored form of a client's message of n bytes: the
// same JSON, decoded and encoded again, which can double a character at
// most (U+2028 arrives as 3 bytes and is stored as the 6 of "\u2028"), plus
// the Room-From header.
func storedSize(n int) int32 { return int32(2*n + 1024) }

// History is every room's history in one JetStream stream.
type History struct {
	js         nats.JetStreamContext
	maxMessage int
}

// stored is one event as the stream holds it: lesson 2's message, its
// sender and the seq the stream gave it.
type stored struct {
	seq  uint64
	from int
	msg  room.Message
}

// OpenHistory creates the streams, or updates their limits if they exist.
// In memory (the server's default), a broker restart loses the history (clients that
// come back are then told it is truncated), but nothing is left on disk.
func OpenHistory(nc *nats.Conn, limits Limits) (*History, error) {
	js, err := nc.JetStream()
	if err != nil {
		return nil, err
	}
	if limits.MaxBytes == 0 {
		limits.MaxBytes = DefaultMaxBytes
	}
	if limits.MaxMessage == 0 {
		limits.MaxMessage = DefaultMaxMessage
	}
	streams := []*nats.StreamConfig{{
		Name:              StreamName,
		Subjects:          []string{subjectPrefix + "*"},
		MaxMsgsPerSubject: limits.PerRoom,
		MaxAge:            limits.MaxAge,
		MaxBytes:          limits.MaxBytes,
		MaxMsgSize:        storedSize(limits.MaxMessage),
		Storage:           limits.Storage,
		Replicas:          limits.Replicas,
		AllowDirect:       true, // replays read with direct gets, answered without the stream leader's bookkeeping
		// One consumer per room per instance with members in it. NATS
		// allows a stream 1,000 by default, and counts -1 as "use the
		// default": a room-heavy server must say how many it wants.
		MaxConsumers: maxConsumers,
	}, {
		Name:     idStream,
		Subjects: []string{idSubject},
		MaxMsgs:  1,
		Storage:  limits.Storage,
		Replicas: limits.Replicas,
	}}
	for _, cfg := range streams {
		_, err := js.AddStream(cfg)
		if errors.Is(err, nats.ErrStreamNameAlreadyInUse) {
			_, err = js.UpdateStream(cfg)
		}
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", cfg.Name, err)
		}
	}
	return &History{js: js, maxMessage: limits.MaxMessage}, nil
}

// MaxMessage returns the longest message a client may send, in bytes.
func (h *History) MaxMessage() int { return h.maxMessage }

func subject(name string) string { return subjectPrefix + name }

// NextID returns a client id no other client of the cluster has had.
func (h *History) NextID() (int, error) {
	ack, err := h.js.Publish(idSubject, nil)
	if err != nil {
		return 0, fmt.Errorf("next id: %w", err)
	}
	return int(ack.Sequence), nil
}

// Append stores m, sent by client from, at the end of the room's history
// and returns its seq. Every instance following the room receives it.
func (h *History) Append(name string, from int, m room.Message) (uint64, error) {
	data, err := room.Encode(m)
	if err != nil {
		return 0, err
	}
	msg := nats.NewMsg(subject(name))
	msg.Header.Set(fromHeader, strconv.Itoa(from))
	msg.Data = data
	ack, err := h.js.PublishMsg(msg)
	if err != nil {
		return 0, fmt.Errorf("append to room %s: %w", name, err)
	}
	return ack.Sequence, nil
}

// Last returns the seq of the room's latest stored event, 0 if none.
func (h *History) Last(name string) (uint64, error) {
	m, err := h.js.GetLastMsg(StreamName, subject(name), nats.DirectGet())
	if errors.Is(err, nats.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last event of room %s: %w", name, err)
	}
	return m.Sequence, nil
}

// Reaches reports whether the room's history still holds the event seq.
// The limits only ever remove a room's oldest events, so if seq is still
// there, so is everything of that room after it.
func (h *History) Reaches(name string, seq uint64) (bool, error) {
	m, err := h.js.GetMsg(StreamName, seq, nats.DirectGet())
	if errors.Is(err, nats.ErrMsgNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("event %d: %w", seq, err)
	}
	return m.Subject == subject(name), nil // another room's seq is no place to resume from
}

// After returns the room's first stored event with a seq above seq, or nil
// if there is none. Seqs are shared by all rooms, so the next one of this
// room may be far ahead; the server finds it in one request.
func (h *History) After(name string, seq uint64) (*stored, error) {
	m, err := h.js.GetMsg(StreamName, seq+1, nats.DirectGet(), nats.DirectGetNext(subject(name)))
	if errors.Is(err, nats.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("event after %d in room %s: %w", seq, name, err)
	}
	return decode(m.Sequence, m.Header, m.Data)
}

// Follow calls deliver with each event of the room whose seq is above
// after, in order, until the subscription is unsubscribed. An ordered
// consumer never skips or repeats: if it notices a gap, it starts again from
// the last seq it delivered.
func (h *History) Follow(name string, after uint64, deliver func(*stored)) (*nats.Subscription, error) {
	return h.js.Subscribe(subject(name), func(msg *nats.Msg) {
		meta, err := msg.Metadata()
		if err != nil {
			return // not a stream message
		}
		if ev, err := decode(meta.Sequence.Stream, msg.Header, msg.Data); err == nil {
			deliver(ev)
		}
	}, nats.BindStream(StreamName), nats.OrderedConsumer(), nats.StartSequence(after+1))
}

// decode reads a stored event; one this server did not write is an error.
func decode(seq uint64, header nats.Header, data []byte) (*stored, error) {
	from, err := strconv.Atoi(header.Get(fromHeader))
	if err != nil {
		return nil, fmt.Errorf("event %d: no sender", seq)
	}
	var m room.Message
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("event %d: %w", seq, err)
	}
	return &stored{seq: seq, from: from, msg: m}, nil
}
