package cluster

import "example.com/wstutorial/02-stateful/room"

// The NATS subjects the instances talk on. A NATS subject is just a name that
// publishers and subscribers agree on; the broker keeps no copy of what is
// sent on these (that is what makes it fast, and at-most-once).
const (
	// eventSubject carries what clients do: join, broadcast, leave.
	eventSubject = "wstutorial.room.events"

	// presenceSubject carries each instance's heartbeat (the ids of its
	// clients) and its goodbye when it shuts down.
	presenceSubject = "wstutorial.room.presence"

	// allSubjects subscribes to both with a single subscription. One
	// subscription is what keeps the order: NATS delivers one publisher's
	// messages in the order they were sent only within one subscription,
	// and the roster relies on an instance's events and heartbeats arriving
	// in the order it published them.
	allSubjects = "wstutorial.room.>"
)

// event is one client's join, broadcast or leave, as an instance publishes
// it for the others. From is the client's id, unique in the whole cluster.
type event struct {
	Instance string       `json:"instance"`
	From     int          `json:"from"`
	Message  room.Message `json:"message"`
}

// beat is an instance's heartbeat: the ids of all its clients at that moment,
// and the highest id it knows of anywhere, which an instance that has to
// rebuild the id counter starts from. An instance's first beat says Hello,
// its last one says Bye.
type beat struct {
	Instance string `json:"instance"`
	Clients  []int  `json:"clients"`
	Last     int    `json:"last"`
	Hello    bool   `json:"hello,omitempty"`
	Bye      bool   `json:"bye,omitempty"`
}
