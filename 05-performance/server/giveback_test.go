package main

import (
	"testing"
	"time"
)

// Memory goes back at the first quiet check after a busy spell, once, and
// never twice within minGap.
func TestGiveBackOncePerQuietSpell(t *testing.T) {
	const mb = 1 << 20
	start := time.Now()
	var w quietWatch
	steps := []struct {
		at     time.Duration // since start
		allocs uint64        // allocated since the start of the process
		want   bool
	}{
		{0, 100 << 10, false},         // quiet from the start: nothing to give
		{time.Second, 50 * mb, false}, // busy
		{2 * time.Second, 60 * mb, false},
		{3 * time.Second, 60*mb + 1000, true},  // quiet: give it back
		{4 * time.Second, 60*mb + 2000, false}, // still quiet: given already
		{5 * time.Second, 90 * mb, false},      // busy again
		{6 * time.Second, 90*mb + 1000, false}, // quiet, but within minGap of the last time
		{13 * time.Second, 90*mb + 2000, true}, // minGap has passed
		{14 * time.Second, 90*mb + 3000, false},
	}
	for i, s := range steps {
		if got := w.giveBack(s.allocs, start.Add(s.at)); got != s.want {
			t.Errorf("check %d (at %v, allocated %d): giveBack = %v, want %v", i+1, s.at, s.allocs, got, s.want)
		}
	}
}
