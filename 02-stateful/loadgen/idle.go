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
	server   *server // nil when no -pid was given
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

	// Filled in only when the server's pid is known.
	RSSBeforeKB  int64   `json:"server_rss_before_kb,omitempty"`
	RSSAfterKB   int64   `json:"server_rss_after_kb,omitempty"`
	BytesPerConn float64 `json:"server_bytes_per_connection,omitempty"`

	Notes []string `json:"notes,omitempty"`
}

// settleTimeout bounds each wait for the server's memory to hold still.
const settleTimeout = 30 * time.Second

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
	if err := connectAll(ctx, &c, cfg.url, cfg.count, cfg.dialers, t, 0, cfg.progress, cfg.stderr); err != nil {
		return nil, err
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

	c.close(t)
	res.Dropped = t.dropped.Load()
	for _, why := range c.dropped(3) {
		res.Notes = append(res.Notes, "dropped: "+why)
	}
	return res, nil
}
