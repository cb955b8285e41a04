package main

import "testing"

// Memory goes back at the first quiet check after a busy spell, once.
func TestGiveBackOncePerQuietSpell(t *testing.T) {
	const mb = 1 << 20
	var w quietWatch
	steps := []struct {
		allocs uint64 // allocated since the start, at this check
		want   bool
	}{
		{allocs: 100 << 10, want: false},    // quiet from the start: nothing to give
		{allocs: 50 * mb, want: false},      // busy
		{allocs: 60 * mb, want: false},      // still busy
		{allocs: 60*mb + 1000, want: true},  // quiet: give it back
		{allocs: 60*mb + 2000, want: false}, // still quiet: given already
		{allocs: 90 * mb, want: false},      // busy again
		{allocs: 90*mb + 1000, want: true},  // quiet again
	}
	for i, s := range steps {
		if got := w.giveBack(s.allocs); got != s.want {
			t.Errorf("check %d (allocated %d since the start): giveBack = %v, want %v", i+1, s.allocs, got, s.want)
		}
	}
}
