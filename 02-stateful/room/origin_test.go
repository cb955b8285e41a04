package room

import (
	"net/http"
	"strings"
	"testing"
)

// Programs (no Origin header) and pages from the server's own origin get in;
// a page from another site is refused with 403 unless it is on the list.
func TestOrigin(t *testing.T) {
	const friend = "https://friend.example"
	tr := newTestRoom(t, friend)
	self := "http://" + strings.TrimPrefix(tr.url, "ws://")

	tests := []struct {
		origin string // "" sends no Origin header
		ok     bool
	}{
		{"", true},
		{self, true},
		{strings.ToUpper(self), true}, // hosts are case-insensitive
		{friend, true},
		{"https://evil.example", false},
		{strings.Replace(self, "127.0.0.1", "127.0.0.2", 1), false}, // same port, another host
		{"http://127.0.0.1:1", false},                               // same host, another port
		{"null", false},                                             // what sandboxed pages and file:// pages send
	}
	for _, tt := range tests {
		header := http.Header{}
		if tt.origin != "" {
			header.Set("Origin", tt.origin)
		}
		tr.checkHandshake(t, header, tt.ok)
	}
	tr.waitForLog("Refused a connection")
}

// DNS rebinding: a page on evil.example whose name now points at 127.0.0.1
// sends an Origin that matches the Host it connects to. On a loopback
// address the server knows it can only be reached by its own names, so it
// refuses any other Host.
func TestHostOnLoopback(t *testing.T) {
	tr := newTestRoom(t)
	port := tr.url[strings.LastIndex(tr.url, ":")+1:]

	tests := []struct {
		host string
		ok   bool
	}{
		{"evil.example:" + port, false},
		{"localhost:" + port, true},
		{"LocalHost:" + port, true},
		{"127.0.0.1:" + port, true},
		{"[::1]:" + port, true},
	}
	for _, tt := range tests {
		header := http.Header{"Host": {tt.host}, "Origin": {"http://" + tt.host}}
		tr.checkHandshake(t, header, tt.ok)
	}
}

// checkHandshake dials with header and checks that the room lets the client
// in if ok, and refuses the handshake with 403 if not.
func (tr *testRoom) checkHandshake(t *testing.T, header http.Header, ok bool) {
	t.Helper()
	conn, id, err := tr.dial(header)
	switch {
	case ok && err != nil:
		t.Errorf("%v: refused: %v", header, err)
	case ok && id == 0:
		t.Errorf("%v: connected, but the room did not take the client in", header)
	case !ok && err == nil:
		t.Errorf("%v: let in as client %d", header, id)
	case !ok && !strings.Contains(err.Error(), "HTTP 403"):
		t.Errorf("%v: refused with %v, want HTTP 403", header, err)
	}
	if conn != nil {
		conn.Close()
	}
}
