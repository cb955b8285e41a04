package main

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"testing"
	"time"

	"example.com/wstutorial/progtest"
)

// A short run against two real instances: every member joins, and every
// message reaches the other members of its room.
func TestLoadOnTwoInstances(t *testing.T) {
	bin := progtest.Build(t, "example.com/wstutorial/07-rooms/server")
	state := t.TempDir() // where the instances find the embedded NATS server's token
	a := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-embed", "127.0.0.1:0", "-state", state, "-quiet")
	addrA := a.Addr()
	natsLine := regexp.MustCompile(`^NATS with JetStream on (nats://\S+)$`)
	natsURL := natsLine.FindStringSubmatch(a.WaitFor(natsLine.String(), progtest.WaitLimit))[1]
	b := progtest.Start(t, bin, "-addr", "127.0.0.1:0", "-nats", natsURL, "-state", state, "-quiet")
	addrB := b.Addr()
	b.WaitFor("^Joined NATS", progtest.WaitLimit)

	var out bytes.Buffer
	err := run([]string{"-urls", "ws://" + addrA + ",ws://" + addrB, "-sources", "127.0.0.1,127.0.0.2",
		"-rooms", "4", "-size", "5", "-every", "100ms", "-duration", "1s"}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.Bytes())
	}
	// Each room's last message may still be on its way when the run ends.
	if r.Connections != 20 || r.Failed != 0 || r.Sent == 0 || r.Deliveries > r.Sent*4 || r.Deliveries < (r.Sent-4)*4 {
		t.Fatalf("got %+v; want 20 connections, none failed, and each message delivered to the 4 others", r)
	}
	if r.LatencyMaxms <= 0 || r.LatencyMaxms > float64(progtest.WaitLimit/time.Millisecond) {
		t.Fatalf("latency %v ms, want a measured figure", r.LatencyMaxms)
	}
}
