package main

import (
	"testing"
	"time"
)

func TestBroadcastRoundTrip(t *testing.T) {
	want := stamp{sender: 12, seq: 345678, sent: 9876543210 * time.Nanosecond}
	msg := appendBroadcast(nil, want)
	if got := string(msg); got != `{"type":"broadcast","payload":"12:345678:9876543210"}` {
		t.Fatalf("appendBroadcast = %s", got)
	}
	if k, got := parseMessage(msg); k != kindBroadcast || got != want {
		t.Errorf("parseMessage = %v %+v, want a broadcast %+v", k, got, want)
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		msg  string
		kind kind
	}{
		{`{"type":"client:connected","payload":"Client 3 connected"}`, kindNotice},
		{`{"type":"client:disconnected","payload":"Client 3 disconnected"}`, kindNotice},
		{`{ "payload": "1:2:3", "type": "broadcast" }`, kindBroadcast}, // other spacing and order
		{`{"type":"broadcast","payload":"Hello"}`, kindOther},          // not one of ours
		{`{"type":"broadcast","payload":"1:2"}`, kindOther},
		{`{"type":"broadcast","payload":"1:2:3:4"}`, kindOther},
		{`{"type":"broadcast","payload":"1:x:3"}`, kindOther},
		{`{"type":"something","payload":"1:2:3"}`, kindOther},
		{`not json`, kindOther},
	}
	for _, tt := range tests {
		if k, _ := parseMessage([]byte(tt.msg)); k != tt.kind {
			t.Errorf("parseMessage(%s) = %v, want %v", tt.msg, k, tt.kind)
		}
	}
}
