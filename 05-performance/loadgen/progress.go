package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// showProgress prints line() to w every interval until the returned stop
// function is called, so a long run shows that it is alive and how far it
// got. An interval of 0 turns it off.
func showProgress(w io.Writer, interval time.Duration, line func() string) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				fmt.Fprintln(w, line())
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-finished }
}

// pollEvery is how often waitUntil checks its condition: often enough that
// the wait adds nothing noticeable to a run, rarely enough to cost nothing.
const pollEvery = 10 * time.Millisecond

// waitUntil waits until cond is true, the deadline passes or ctx ends, and
// reports whether cond became true.
func waitUntil(ctx context.Context, deadline time.Time, cond func() bool) bool {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return cond()
		}
	}
	return true
}
