package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// stallTimeout ends a run in which nothing has been delivered for this long:
// something was lost or the server is stuck, and waiting longer will not
// finish the run.
const stallTimeout = 10 * time.Second

var errStalled = errors.New("stalled: nothing delivered for " + stallTimeout.String())

// sendAll runs every sender until it has sent all its broadcasts and seen
// them complete. It returns why it stopped early, or nil.
func sendAll(ctx context.Context, senders []*member, t *tally, cfg broadcastConfig, begin time.Time) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	total := int64(len(senders)) * int64(cfg.messages) * int64(t.perBroadcast.Load())
	stop := showProgress(cfg.stderr, cfg.progress, func() string {
		d := t.deliveries.Load()
		return fmt.Sprintf("loadgen: broadcasting: %d of %d deliveries (%.0f%%), %.0f/s", d, total, 100*float64(d)/float64(total), float64(d)/time.Since(begin).Seconds())
	})
	defer stop()
	go watchStall(ctx, t, cancel)

	var wg sync.WaitGroup
	errs := make([]error, len(senders))
	for s, m := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[s] = send(ctx, m, s, t, cfg.messages, cfg.window)
			if errs[s] != nil {
				cancel(errs[s])
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return errors.Join(errs...)
}

// send is one sender's closed loop: it never has more than window broadcasts
// that have not reached everyone yet.
func send(ctx context.Context, m *member, s int, t *tally, messages, window int) error {
	var buf []byte
	inFlight := 0
	wait := func() error {
		select {
		case <-t.complete[s]:
			inFlight--
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	for seq := range messages {
		if inFlight == window {
			if err := wait(); err != nil {
				return err
			}
		}
		buf = appendBroadcast(buf[:0], stamp{sender: s, seq: seq, sent: t.since()})
		if err := m.conn.WriteMessage(websocket.TextMessage, buf); err != nil {
			return fmt.Errorf("sender %d: %w", s+1, err)
		}
		t.sent.Add(1)
		inFlight++
	}
	for inFlight > 0 {
		if err := wait(); err != nil {
			return err
		}
	}
	return nil
}

// watchStall cancels the run when deliveries stop coming in.
func watchStall(ctx context.Context, t *tally, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(stallTimeout / 10)
	defer tick.Stop()
	last, since := t.deliveries.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if d := t.deliveries.Load(); d != last {
			last, since = d, time.Now()
		} else if time.Since(since) >= stallTimeout {
			cancel(errStalled)
			return
		}
	}
}
