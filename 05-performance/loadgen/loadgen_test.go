package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/wstutorial/05-performance/fastroom"
)

// startRoom serves a lesson-5 room on a loopback port for the length of
// the test and returns its ws:// URL.
func startRoom(t *testing.T) string {
	t.Helper()
	r := fastroom.New(log.New(io.Discard, "", 0), fastroom.Quiet(), fastroom.SendRate(0))
	srv := httptest.NewServer(fastroom.NewHandler(r))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Close(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// pidArgs measures this very process when /proc is there to read: the room
// runs inside the test.
func pidArgs() []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	return []string{"-pid", strconv.Itoa(os.Getpid())}
}

func TestBroadcastCountsEveryDelivery(t *testing.T) {
	const receivers, senders, messages = 5, 3, 40
	args := append([]string{"-url", startRoom(t), "-json", "-progress", "0", "-timeout", "1m",
		"-receivers", strconv.Itoa(receivers), "-senders", strconv.Itoa(senders),
		"-messages", strconv.Itoa(messages), "-window", "4"}, pidArgs()...)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var res broadcastResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("the JSON line: %v\n%s", err, stdout.String())
	}
	// Every broadcast reaches every client but its sender.
	const want = senders * messages * (receivers + senders - 1)
	if res.Sent != senders*messages || res.Delivered != want || res.Expected != want {
		t.Errorf("sent %d, delivered %d of %d; want %d sent, %d delivered", res.Sent, res.Delivered, res.Expected, senders*messages, want)
	}
	if res.Lost != 0 || res.Duplicates != 0 || res.Misordered != 0 || res.Unexpected != 0 || res.Failed != 0 || res.Dropped != 0 || res.Stopped != "" {
		t.Errorf("want a clean run, got %+v", res)
	}
	if res.P50ms <= 0 || res.P99ms < res.P50ms || res.PerSecond <= 0 {
		t.Errorf("implausible figures: %+v", res)
	}
	if pidArgs() != nil && res.PeakRSSKB <= 0 {
		t.Errorf("no server memory figure: %+v", res)
	}
	if !strings.Contains(stderr.String(), "deliveries    "+strconv.Itoa(want)+" of "+strconv.Itoa(want)) {
		t.Errorf("the summary does not show the count:\n%s", stderr.String())
	}
}

func TestIdleHoldsConnections(t *testing.T) {
	const count = 20
	args := append([]string{"-url", startRoom(t), "-json", "-progress", "0", "-timeout", "1m",
		"-idle", strconv.Itoa(count), "-hold", "10ms"}, pidArgs()...)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	var res idleResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("the JSON line: %v\n%s", err, stdout.String())
	}
	if res.Held != count || res.Failed != 0 || res.Dropped != 0 {
		t.Errorf("held %d, failed %d, dropped %d; want %d held", res.Held, res.Failed, res.Dropped, count)
	}
	// Each client hears of every one that joins after it.
	const want = count * (count - 1) / 2
	if res.Notices != want || res.NoticesWant != want {
		t.Errorf("join notices %d of %d, want %d", res.Notices, res.NoticesWant, want)
	}
	if pidArgs() != nil && res.RSSAfterKB <= 0 {
		t.Errorf("no server memory figure: %+v", res)
	}
}

func TestRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-url", "ws://192.0.2.1:5406"},
		{"-senders", "0"},
		{"-receivers", "0", "-senders", "1"},
		{"stray"},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
