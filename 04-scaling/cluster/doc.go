// Package cluster spreads the lesson-2 room over several server processes
// ("instances") with NATS, a message broker, in between.
//
// One process keeps its room in memory: the registry of clients and the id
// counter. Run two copies behind a load balancer and each copy has its own
// memory, so a client on one never hears from a client on the other, and both
// copies hand out "Client 1". This package moves the three things that must
// be shared out of the process:
//
//   - Events (events.go, node.go). Every join, broadcast and leave is
//     delivered to this instance's own clients at once and published on a
//     NATS subject; every other instance delivers it to its clients.
//   - Ids (counter.go). A JetStream key-value entry holds the last id given
//     out; an instance takes the next one with compare-and-set, so two
//     instances can never take the same one. An instance gives out ids only
//     once it has put the counter past every id it knows on its current
//     connection, and a missing counter is rebuilt only after every
//     instance has had time to say which ids it holds (Node.settle).
//   - Presence (roster.go). Every instance publishes, each heartbeat, the ids
//     of its clients. When an instance falls silent (it crashed, or lost its
//     network), the others tell their clients that its clients have left.
//
// The broker itself is either a NATS server or cluster the instances are
// pointed at, or, for a demo with nothing installed, a NATS server embedded
// in whichever instance started first, and taken over by a survivor if that
// instance dies (broker.go, embedded.go). It lets in only clients with its
// token (token.go).
package cluster
