package rooms

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// TypeJoined is the first event a new client gets, and the last of a
// resuming client's replay: it says the client is a member now, its id, and
// the seq up to which it has everything. A client that is cut off before
// any event of the room reaches it resumes from that seq.
const TypeJoined = "room:joined"

// TypeTruncated tells a resuming client that the room's history no longer
// reaches back to the seq it asked for: some events it missed are gone.
const TypeTruncated = "history:truncated"

// Event is what a client receives: lesson 2's message plus the room it
// happened in and its seq, the number the room's history gave it. A client
// that remembers the largest seq it has seen can ask for everything after
// it when it comes back (?since=SEQ).
type Event struct {
	Type    string `json:"type"`
	Payload string `json:"payload"`
	Room    string `json:"room"`
	Seq     uint64 `json:"seq,omitempty"` // none on history:truncated, which is not a room event
}

// encode turns e into JSON without escaping <, > and &, for the reason
// lesson 2's room.Encode gives.
func encode(e Event) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(e) // cannot fail: an Event holds strings and a number
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// encode returns the stored event as its room's members receive it.
func (s *stored) encode(name string) []byte {
	return encode(Event{Type: s.msg.Type, Payload: s.msg.Payload, Room: name, Seq: s.seq})
}

// truncated is the history:truncated event for a client resuming from since.
func truncated(name string, since uint64) []byte {
	return encode(Event{Type: TypeTruncated, Room: name,
		Payload: fmt.Sprintf("History no longer reaches back to seq %d: some events are lost", since)})
}
