package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Each run prints a summary for people and, with -json, one line of JSON
// for scripts (scripts/bench.sh builds its table from those lines).

func (r *broadcastResult) print(w io.Writer) {
	fmt.Fprintf(w, "broadcast: %d receivers, %d senders × %d broadcasts, window %d\n",
		r.Receivers, r.Senders, r.Messages, r.Window)
	fmt.Fprintf(w, "  deliveries    %d of %d in %.2fs: %.0f/s\n", r.Delivered, r.Expected, r.Seconds, r.PerSecond)
	fmt.Fprintf(w, "  latency       p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.P50ms, r.P99ms, r.MaxMs)
	fmt.Fprintf(w, "  lost          %d (duplicates %d, out of order %d, unexpected %d)\n",
		r.Lost, r.Duplicates, r.Misordered, r.Unexpected)
	fmt.Fprintf(w, "  connections   %d, %d failed, %d dropped\n", r.Clients, r.Failed, r.Dropped)
	if r.PeakRSSKB > 0 {
		fmt.Fprintf(w, "  server        %.2f µs CPU per delivery (%.2fs in all), peak RSS %.1f MB\n",
			r.CPUPerDeliveryUs, r.ServerCPUSeconds, float64(r.PeakRSSKB)/1024)
	}
	if r.Stopped != "" {
		fmt.Fprintf(w, "  stopped early %s\n", r.Stopped)
	}
	printNotes(w, r.Notes)
}

func (r *idleResult) print(w io.Writer) {
	fmt.Fprintf(w, "idle: %d connections\n", r.Connections)
	fmt.Fprintf(w, "  held          %d for %.1fs, %d failed, %d dropped\n", r.Held, r.HeldSeconds, r.Failed, r.Dropped)
	fmt.Fprintf(w, "  join notices  %d of %d\n", r.Notices, r.NoticesWant)
	if r.RSSAfterKB > 0 {
		fmt.Fprintf(w, "  server RSS    %.1f MB before, %.1f MB after: %.1f KB per connection\n",
			float64(r.RSSBeforeKB)/1024, float64(r.RSSAfterKB)/1024, r.BytesPerConn/1024)
	}
	printNotes(w, r.Notes)
}

func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "  note          %s\n", strings.TrimSpace(n))
	}
}

// printJSON writes v as a single line.
func printJSON(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
