package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// handshakeTimeout bounds one connection attempt. A healthy server on
	// loopback answers in milliseconds even while busy.
	handshakeTimeout = 10 * time.Second

	// readBufferSize is each connection's read buffer. Under load many small
	// frames wait in the socket; a few kilobytes fetch dozens of them per
	// system call.
	readBufferSize = 4096

	// writeBufferSize is small: our messages are under a hundred bytes,
	// and only senders write at all.
	writeBufferSize = 512
)

// dialer opens the load generator's connections. The write buffer is only
// borrowed from the pool during a write, so receivers, which never write a
// message, do not each hold one.
var dialer = websocket.Dialer{
	HandshakeTimeout: handshakeTimeout,
	ReadBufferSize:   readBufferSize,
	WriteBufferSize:  writeBufferSize,
	WriteBufferPool:  &sync.Pool{},
}

// crowd is the set of connections of one run.
type crowd struct {
	members []*member      // connected ones, in the order they were started
	failed  int            // connections that could not be opened
	err     error          // the first reason one could not
	reading sync.WaitGroup // one per member's reader goroutine
	opened  atomic.Int64   // for progress reports while connecting
	closed  sync.Once
}

// connect opens n connections to url, at most parallel handshakes at a time,
// and starts each one's reader as soon as it is open (the server starts
// sending at once: everyone hears about each newcomer). expected is how many
// broadcasts each member should receive, to size its latency record.
//
// Opening thousands at once would overflow the server's accept queue; the
// dropped attempts would then be retried by TCP a second later and look like
// a slow server. A few dozen at a time keep the server busy without that.
func (c *crowd) connect(ctx context.Context, url string, n, parallel int, t *tally, expected int) {
	slots := make(chan struct{}, parallel)
	all := make([]*member, n)
	var mu sync.Mutex // guards failed and err
	var dialing sync.WaitGroup
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			mu.Lock()
			c.failed += n - i
			if c.err == nil {
				c.err = context.Cause(ctx)
			}
			mu.Unlock()
			dialing.Wait()
			c.keep(all)
			return
		}
		dialing.Add(1)
		go func() {
			defer dialing.Done()
			defer func() { <-slots }()
			conn, _, err := dialer.DialContext(ctx, url, nil)
			if err != nil {
				mu.Lock()
				c.failed++
				if c.err == nil {
					c.err = fmt.Errorf("connection %d: %w", i+1, err)
				}
				mu.Unlock()
				return
			}
			m := newMember(conn, t, expected)
			all[i] = m
			c.reading.Add(1)
			go m.read(&c.reading)
			c.opened.Add(1)
		}()
	}
	dialing.Wait()
	c.keep(all)
}

func (c *crowd) keep(all []*member) {
	for _, m := range all {
		if m != nil {
			c.members = append(c.members, m)
		}
	}
}

// close says goodbye on every connection and waits for the readers to end.
// The tally is told first, so the ends are not counted as drops. Only the
// first call does anything.
func (c *crowd) close(t *tally) { c.closed.Do(func() { c.closeAll(t) }) }

func (c *crowd) closeAll(t *tally) {
	t.closing.Store(true)
	bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	for _, m := range c.members {
		// A close frame lets the server log a normal goodbye; we do not
		// wait for its answer, the run is over.
		_ = m.conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second))
		m.conn.Close()
	}
	c.reading.Wait()
}

// dropped lists why connections ended early, at most max of them.
func (c *crowd) dropped(max int) []string {
	var why []string
	for _, m := range c.members {
		if m.err != nil && len(why) < max {
			why = append(why, m.err.Error())
		}
	}
	return why
}

// joinNotices is how many client:connected notices n connections bring in
// all: each one hears of every one that joins after it. That is n·(n-1)/2,
// fifty million for ten thousand connections.
func joinNotices(n int) int64 { return int64(n) * int64(n-1) / 2 }

// connectAll opens n connections, then waits up to noticeWait until the
// server has told each of them about every later one, so that what is
// measured next is not the tail of the join notices. It returns how many
// notices had not arrived by then; it fails only if ctx ends.
func connectAll(ctx context.Context, c *crowd, url string, n, dialers int, t *tally, expected int,
	noticeWait, every time.Duration, stderr io.Writer) (missing int64, err error) {
	want := joinNotices(n)
	stop := showProgress(stderr, every, func() string {
		return fmt.Sprintf("loadgen: connecting: %d of %d open, %d of %d join notices", c.opened.Load(), n, t.notices.Load(), want)
	})
	defer stop()
	c.connect(ctx, url, n, dialers, t, expected)
	if len(c.members) < n {
		want = joinNotices(len(c.members)) // the missing ones cause no notices
	}
	waitUntil(ctx, time.Now().Add(noticeWait), func() bool { return t.notices.Load() >= want })
	if err := context.Cause(ctx); err != nil {
		return 0, fmt.Errorf("connecting: %w", err)
	}
	return max(0, want-t.notices.Load()), nil
}
