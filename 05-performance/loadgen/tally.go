package main

import (
	"sync/atomic"
	"time"
)

// tally is what all the connections of a run count together.
//
// Flow control works like this. Every broadcast must reach every other
// client of the run (the sender never gets its own). Each broadcast has a
// counter; the receiver whose delivery brings it to the full number tells the
// broadcast's sender, through that sender's complete channel. A sender starts
// a new broadcast only while fewer than its window are incomplete. So the
// load is a closed loop: a server that queues messages instead of delivering
// them does not get more work, it gets to wait, and the measured rate is the
// rate of finished deliveries.
type tally struct {
	start time.Time // timestamps in payloads count from here

	// perBroadcast is how many deliveries complete one broadcast: one per
	// connection but the sender's. It is settled once everyone is connected
	// (a connection may fail) and before the first broadcast is sent.
	perBroadcast atomic.Int32

	got      [][]atomic.Int32 // [sender][seq]: deliveries so far
	complete []chan struct{}  // [sender]: one value per finished broadcast

	sent       atomic.Int64 // broadcasts written by the senders
	deliveries atomic.Int64 // broadcasts received, each counted once per receiver
	duplicates atomic.Int64 // deliveries beyond perBroadcast
	notices    atomic.Int64 // client:connected and client:disconnected received
	dropped    atomic.Int64 // connections that ended before we closed them
	closing    atomic.Bool  // set when we close the connections ourselves
}

// newTally prepares the counters for senders×messages broadcasts, with at
// most window of each sender's in flight.
func newTally(senders, messages, window int) *tally {
	t := &tally{
		start:    time.Now(),
		got:      make([][]atomic.Int32, senders),
		complete: make([]chan struct{}, senders),
	}
	for s := range senders {
		t.got[s] = make([]atomic.Int32, messages)
		// At most window broadcasts are in flight, so at most window
		// completions wait here and the receiver's send never blocks.
		t.complete[s] = make(chan struct{}, window)
	}
	return t
}

// since is the time since the start, as written into stamps. It uses Go's
// monotonic clock, so a clock adjustment during the run cannot skew it.
func (t *tally) since() time.Duration { return time.Since(t.start) }

// delivered records that a receiver got broadcast st. It reports false if the
// stamp names no broadcast of this run.
func (t *tally) delivered(st stamp) bool {
	if st.sender < 0 || st.sender >= len(t.got) || st.seq < 0 || st.seq >= len(t.got[st.sender]) {
		return false
	}
	want := t.perBroadcast.Load()
	switch n := t.got[st.sender][st.seq].Add(1); {
	case n > want:
		t.duplicates.Add(1)
		return true
	case n == want:
		t.complete[st.sender] <- struct{}{}
	}
	t.deliveries.Add(1)
	return true
}
