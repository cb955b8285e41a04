package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The flood is the attack a limit per client does not stop: many clients,
// each within the server's rate limit, each sending the largest message it
// may, made of a character that a careless JSON encoder escapes to six bytes
// ('<' becomes \u003c). It measures whether the server stays within its
// memory and keeps delivering to everyone.

type floodConfig struct {
	url      string
	clients  int
	size     int     // bytes of each message's payload
	char     string  // what the payload is made of
	rate     float64 // messages a second each client sends
	duration time.Duration
	server   *server
}

type floodResult struct {
	Mode            string  `json:"mode"`
	Clients         int     `json:"clients"`
	Size            int     `json:"payload_bytes"`
	Rate            float64 `json:"rate_per_client"`
	Seconds         float64 `json:"seconds"`
	Sent            int64   `json:"messages_sent"`
	Received        int64   `json:"messages_received"`
	PerClientSecond float64 `json:"received_per_client_per_second"`
	Dropped         int64   `json:"clients_dropped"`
	PeakRSSKB       int64   `json:"server_peak_rss_kb,omitempty"`
}

// runFlood connects the clients, lets each send at its rate for the
// duration while reading everything it is sent, then counts.
func runFlood(ctx context.Context, cfg floodConfig) (*floodResult, error) {
	res := &floodResult{Mode: "flood", Clients: cfg.clients, Size: cfg.size, Rate: cfg.rate}
	payload := strings.Repeat(cfg.char, cfg.size/len(cfg.char))
	message, err := encodeBroadcast(payload)
	if err != nil {
		return nil, err
	}
	conns := make([]*websocket.Conn, 0, cfg.clients)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range cfg.clients {
		conn, _, err := dialer.DialContext(ctx, cfg.url, nil)
		if err != nil {
			return nil, fmt.Errorf("flood: connecting: %w", err)
		}
		conn.SetReadLimit(-1)
		conns = append(conns, conn)
	}

	var sent, received, dropped atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	for _, conn := range conns {
		wg.Go(func() { // reader: counts, until the connection ends
			for {
				_, r, err := conn.NextReader()
				if err != nil {
					if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
						dropped.Add(1)
					}
					return
				}
				if _, err := io.Copy(io.Discard, r); err == nil {
					received.Add(1)
				}
			}
		})
		wg.Go(func() { // writer: at the rate, until the duration is over
			tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.rate))
			defer tick.Stop()
			for time.Since(begin) < cfg.duration {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				if conn.WriteMessage(websocket.TextMessage, message) != nil {
					return
				}
				sent.Add(1)
			}
			bye := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = conn.WriteControl(websocket.CloseMessage, bye, time.Now().Add(time.Second))
			// The server answers our close once it has read everything
			// before it; the reader then ends. Bounded, in case it never does.
			_ = conn.SetReadDeadline(time.Now().Add(drainTimeout))
		})
	}
	wg.Wait()
	res.Seconds = time.Since(begin).Seconds()
	res.Sent, res.Received, res.Dropped = sent.Load(), received.Load(), dropped.Load()
	res.PerClientSecond = float64(res.Received) / float64(cfg.clients) / cfg.duration.Seconds()
	if cfg.server != nil {
		if res.PeakRSSKB, err = cfg.server.memory("VmHWM"); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// drainTimeout bounds how long a flood client waits, after its last
// message, for what the server still has to send it.
const drainTimeout = 10 * time.Second

func (r *floodResult) print(w io.Writer) {
	fmt.Fprintf(w, "flood: %d clients, %d-byte payloads, %.0f a second each\n", r.Clients, r.Size, r.Rate)
	fmt.Fprintf(w, "  messages      %d sent, %d received in %.1fs: %.1f per client a second\n",
		r.Sent, r.Received, r.Seconds, r.PerClientSecond)
	fmt.Fprintf(w, "  connections   %d dropped\n", r.Dropped)
	if r.PeakRSSKB > 0 {
		fmt.Fprintf(w, "  server        peak RSS %.1f MB\n", float64(r.PeakRSSKB)/1024)
	}
}

// encodeBroadcast is the client message that broadcasts payload, with its
// characters as they are (no HTML escaping): what a browser would send.
func encodeBroadcast(payload string) ([]byte, error) {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]string{"type": "broadcast", "payload": payload}); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(buf.String(), "\n")), nil
}
