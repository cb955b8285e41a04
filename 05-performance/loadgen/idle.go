package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// idleConfig describes an idle run: open count connections, send nothing,
// and see what holding them costs the server.
type idleConfig struct {
	url      string
	count    int
	hold     time.Duration // how long to keep them open once settled
	dialers  int
	notices  time.Duration // how long to wait for the join notices
	server   *server       // nil when no -pid was given
	progress time.Duration
	stderr   io.Writer
}

// idleResult is what an idle run measured.
type idleResult struct {
	Mode        string  `json:"mode"`
	Connections int     `json:"connections"`
	Failed      int     `json:"connections_failed"`
	Dropped     int64   `json:"connections_dropped"`
	Held        int64   `json:"connections_held"`
	HeldSeconds float64 `json:"held_seconds"`
	Notices     int64   `json:"join_notices"`
	NoticesWant int64   `json:"join_notices_expected"`

	// Filled in only when the server's pid is known.
	RSSBeforeKB  int64   `json:"server_rss_before_kb,omitempty"`
	RSSAfterKB   int64   `json:"server_rss_after_kb,omitempty"`
	BytesPerConn float64 `json:"server_bytes_per_connection,omitempty"`

	Notes []string `json:"notes,omitempty"`
}

// settleTimeout bounds each wait for the server's memory to hold still; a
// server at rest settles in a second or two.
const settleTimeout = 15 * time.Second

// runIdle measures the server's memory, opens the connections, waits for the
// join notices to be delivered and the memory to settle again, and then
// holds the connections for a while, checking that none is dropped.
func runIdle(ctx context.Context, cfg idleConfig) (*idleResult, error) {
	res := &idleResult{Mode: "idle", Connections: cfg.count}
	if err := raiseFileLimit(uint64(cfg.count) + spareFiles); err != nil {
		return nil, err
	}
	if cfg.server != nil {
		kb, settled, err := cfg.server.settledRSS(ctx, time.Now().Add(settleTimeout))
		if err != nil {
			return nil, err
		}
		if !settled {
			res.Notes = append(res.Notes, "server memory had not settled before connecting")
		}
		res.RSSBeforeKB = kb
	}

	t := newTally(0, 0, 0) // nothing is sent: every message should be a notice
	var c crowd
	defer c.close(t)
	missing, err := connectAll(ctx, &c, cfg.url, cfg.count, cfg.dialers, t, 0, cfg.notices, cfg.progress, cfg.stderr)
	if err != nil {
		return nil, err
	}
	if missing > 0 {
		// Holding the connections is still worth measuring; the server is
		// simply still busy telling everyone about everyone.
		res.Notes = append(res.Notes, fmt.Sprintf("%d join notices were still on their way after %v (-notices): memory includes them", missing, cfg.notices))
	}
	res.Failed = c.failed
	if c.failed > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d connections failed: %v", c.failed, c.err))
	}

	if cfg.server != nil {
		kb, settled, err := cfg.server.settledRSS(ctx, time.Now().Add(settleTimeout))
		if err != nil {
			return nil, err
		}
		if !settled {
			res.Notes = append(res.Notes, "server memory had not settled after connecting")
		}
		res.RSSAfterKB = kb
		if n := len(c.members); n > 0 {
			res.BytesPerConn = float64(res.RSSAfterKB-res.RSSBeforeKB) * 1024 / float64(n)
		}
	}

	begin := time.Now()
	stop := showProgress(cfg.stderr, cfg.progress, func() string {
		return fmt.Sprintf("loadgen: holding %d connections, %d dropped, %.0fs of %v",
			int64(len(c.members))-t.dropped.Load(), t.dropped.Load(), time.Since(begin).Seconds(), cfg.hold)
	})
	select {
	case <-time.After(cfg.hold):
	case <-ctx.Done():
		res.Notes = append(res.Notes, "hold cut short: "+context.Cause(ctx).Error())
	}
	stop()
	res.HeldSeconds = time.Since(begin).Seconds()
	res.Held = int64(len(c.members)) - t.dropped.Load()
	// Before closing: each goodbye brings leave notices to the others.
	res.Notices, res.NoticesWant = t.notices.Load(), joinNotices(len(c.members))

	c.close(t)
	res.Dropped = t.dropped.Load()
	for _, why := range c.dropped(3) {
		res.Notes = append(res.Notes, "dropped: "+why)
	}
	return res, nil
}
