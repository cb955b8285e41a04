package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Go's collector lets the heap grow to twice what survived the last
// collection before it runs again (GOGC=100): until then, what a burst of
// work left behind stays in memory, dead. A busy server wants it that way
// (fewer collections); a server holding thousands of quiet connections
// pays for it in every one of them. After the join notices of a thousand
// clients, about 2 KB per connection of the server's resident memory was
// such garbage, and pages freed but not yet handed back.
//
// So once the server goes quiet after a busy spell, it collects and gives
// the free pages back, once, with debug.FreeOSMemory. Quiet means it
// allocated less than quietAllocs in the last checkEvery: the collection
// then costs little, and no one waits for it. GOGC and the memory limit
// stay at Go's defaults, so a busy server runs as before, but for one look
// at the runtime's counters.
//
// It looks four times a second, so that the memory goes back within half
// a second of the burst's end: a server that sits idle is also one that
// someone measures. A room with some traffic may go from busy to quiet
// and back all the time; it gives memory back at most once every minGap.
const (
	checkEvery  = time.Second / 4
	quietAllocs = 64 << 10 // bytes allocated in checkEvery
	minGap      = 10 * time.Second
)

// giveBackWhenQuiet checks every checkEvery until ctx ends.
func giveBackWhenQuiet(ctx context.Context) {
	allocated := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}} // since the start
	metrics.Read(allocated)
	w := quietWatch{allocs: allocated[0].Value.Uint64()} // starting up is not a burst
	tick := time.NewTicker(checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		metrics.Read(allocated)
		if w.giveBack(allocated[0].Value.Uint64(), time.Now()) {
			debug.FreeOSMemory()
		}
	}
}

// quietWatch decides, from the bytes allocated since the start read at
// each check, when to give memory back: at the first quiet check after a
// busy one, once minGap has passed since the last time.
type quietWatch struct {
	allocs uint64    // at the last check
	busy   bool      // the server has been busy since it last gave memory back
	given  time.Time // when it last did
}

func (w *quietWatch) giveBack(allocs uint64, now time.Time) bool {
	busyNow := allocs-w.allocs >= quietAllocs
	w.allocs = allocs
	switch {
	case busyNow:
		w.busy = true
	case w.busy && now.Sub(w.given) >= minGap:
		w.busy, w.given = false, now
		return true
	}
	return false
}
