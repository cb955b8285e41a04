package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// broadcastConfig describes a broadcast run: receivers listen, senders each
// send messages broadcasts, with at most window of them in flight.
type broadcastConfig struct {
	url                string
	receivers, senders int
	messages, window   int
	dialers            int
	noticeWait         time.Duration // how long to wait for the join notices
	server             *server       // nil when no -pid was given
	progress           time.Duration
	stderr             io.Writer
}

// broadcastResult is what a broadcast run measured.
type broadcastResult struct {
	Mode       string  `json:"mode"`
	Receivers  int     `json:"receivers"`
	Senders    int     `json:"senders"`
	Messages   int     `json:"messages_per_sender"`
	Window     int     `json:"window"`
	Clients    int     `json:"clients"`
	Failed     int     `json:"connections_failed"`
	Dropped    int64   `json:"connections_dropped"`
	Sent       int64   `json:"broadcasts_sent"`
	Expected   int64   `json:"deliveries_expected"`
	Delivered  int64   `json:"deliveries"`
	Lost       int64   `json:"lost"`
	Duplicates int64   `json:"duplicates"`
	Misordered int     `json:"out_of_order"`
	Unexpected int     `json:"unexpected"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"deliveries_per_second"`
	P50ms      float64 `json:"latency_p50_ms"`
	P99ms      float64 `json:"latency_p99_ms"`
	MaxMs      float64 `json:"latency_max_ms"`

	// Filled in only when the server's pid is known.
	ServerCPUSeconds float64 `json:"server_cpu_seconds,omitempty"`
	CPUPerDeliveryUs float64 `json:"server_cpu_us_per_delivery,omitempty"`
	PeakRSSKB        int64   `json:"server_peak_rss_kb,omitempty"`

	Stopped string   `json:"stopped,omitempty"` // why the run ended early
	Notes   []string `json:"notes,omitempty"`
}

// latencyPrealloc caps how many latency samples a receiver reserves room for
// up front; a longer run grows the slice as it goes.
const latencyPrealloc = 1 << 16

// runBroadcast connects everyone, lets the join notices die down, then has
// the senders broadcast and measures until every broadcast has reached
// every other client, or the run stalls, or ctx ends.
func runBroadcast(ctx context.Context, cfg broadcastConfig) (*broadcastResult, error) {
	res := &broadcastResult{
		Mode: "broadcast", Receivers: cfg.receivers, Senders: cfg.senders,
		Messages: cfg.messages, Window: cfg.window, Clients: cfg.receivers + cfg.senders,
	}
	if err := raiseFileLimit(uint64(res.Clients) + spareFiles); err != nil {
		return nil, err
	}
	t := newTally(cfg.senders, cfg.messages, cfg.window)
	var c crowd
	defer c.close(t)
	missing, err := connectAll(ctx, &c, cfg.url, res.Clients, cfg.dialers, t, min(cfg.senders*cfg.messages, latencyPrealloc), cfg.noticeWait, cfg.progress, cfg.stderr)
	if err != nil {
		return nil, err
	}
	if missing > 0 {
		// Broadcasts would queue behind them and measure the backlog.
		return nil, fmt.Errorf("%d join notices had still not arrived after %v (-notices)", missing, cfg.noticeWait)
	}
	res.Failed = c.failed
	if len(c.members) < cfg.senders+1 {
		return nil, fmt.Errorf("only %d of %d connections opened: %w", len(c.members), res.Clients, c.err)
	}
	if c.failed > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d connections failed (%v); running with %d", c.failed, c.err, len(c.members)))
	}
	t.perBroadcast.Store(int32(len(c.members) - 1))

	var cpuBefore time.Duration
	if cfg.server != nil {
		if cpuBefore, err = cfg.server.cpu(); err != nil {
			return nil, err
		}
	}
	begin := time.Now()
	stopReason := sendAll(ctx, c.members[:cfg.senders], t, cfg, begin)
	res.Seconds = time.Since(begin).Seconds()
	if stopReason != nil {
		res.Stopped = stopReason.Error()
	}
	if cfg.server != nil {
		cpuAfter, err := cfg.server.cpu()
		if err != nil {
			return nil, err
		}
		res.ServerCPUSeconds = (cpuAfter - cpuBefore).Seconds()
		if res.PeakRSSKB, err = cfg.server.memory("VmHWM"); err != nil {
			return nil, err
		}
		if cfg.server.note != "" {
			res.Notes = append(res.Notes, cfg.server.note)
		}
	}

	c.close(t)
	res.Dropped = t.dropped.Load()
	res.Sent = t.sent.Load()
	res.Expected = res.Sent * int64(t.perBroadcast.Load())
	res.Delivered = t.deliveries.Load()
	res.Lost = max(0, res.Expected-res.Delivered)
	res.Duplicates = t.duplicates.Load()
	parts := make([]latencies, 0, len(c.members))
	for _, m := range c.members {
		parts = append(parts, m.lat)
		res.Misordered += m.misordered
		res.Unexpected += m.other
	}
	lat := summarize(parts...)
	res.P50ms, res.P99ms, res.MaxMs = ms(lat.p50), ms(lat.p99), ms(lat.max)
	if res.Seconds > 0 {
		res.PerSecond = float64(res.Delivered) / res.Seconds
	}
	if res.Delivered > 0 && cfg.server != nil {
		res.CPUPerDeliveryUs = res.ServerCPUSeconds * 1e6 / float64(res.Delivered)
	}
	for _, why := range c.dropped(3) {
		res.Notes = append(res.Notes, "dropped: "+why)
	}
	return res, nil
}

// spareFiles is room for the files a process has open besides its
// connections (standard streams, the runtime's own).
const spareFiles = 64

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
